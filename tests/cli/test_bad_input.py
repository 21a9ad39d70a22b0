"""Bad input through the real command line, in-process: exit 2, a message naming the value, nothing created.

Each case is ``(argv, fragment)``: ``{tmp}`` in ``argv`` is the test's empty
temporary directory, ``fragment`` must appear in stderr, and after the command
``{tmp}`` holds nothing but what the case's setup put there.
"""

import pytest

from nas.cli import main

CAMPAIGN = ["search", "--dir", "{tmp}/campaign"]

SEARCH_CONFIG = {
    "unknown key": (["--set", "search.bogus=1"], "unknown config key 'search.bogus'"),
    "unknown mode": (["--set", "search.mode=batch"], "search.mode='batch'; use one of ['sync', 'async']"),
    "misspelt setting": (["--set", "search.settings.learning_rat=0.1"], "unknown setting(s) ['learning_rat']"),
    "unknown preset": (["--set", "preset=fast"], "unknown preset"),
    "negative epochs": (["--set", "proxy.train.epochs=-1"], "proxy.train.epochs"),
    "fractional GPUs above 1": (["--set", "resources.gpus=1.5"], "resources.gpus=1.5"),
    "unknown space": (["--set", "search.space=r99-sp1"], "unknown search space"),
    "unknown fault": (["--set", 'trial.inject_faults={"2": "meltdown"}'], "trial.inject_faults"),
    # Searcher settings are checked when the config is, not when the searcher is built under Ray.
    "learning rate not a number": (["--set", "search.settings.learning_rate=abc"],
                                   "search.settings.learning_rate: 'abc' is not a float"),
    "batch of zero": (["--set", "search.settings.batch_size=0"],
                      "search.settings.batch_size: 0 is out of range; use a value >= 1"),
    "negative hidden size": (["--set", "search.settings.hidden_size=-1"],
                             "search.settings.hidden_size: -1 is out of range"),
    "baseline decay of 1": (["--set", "search.settings.baseline_decay=1"], "use a value in [0, 1)"),
    "batch size true": (["--set", "search.settings.batch_size=true"], "search.settings.batch_size: True is not an int"),
    "seed beyond 64 bits": (["--set", f"search.seed={2**70}"], f"search.seed: {2**70} is out of range"),
    "negative seed": (["--set", "search.seed=-1"], "use a value in [0, 2**63)"),
    "unknown failure policy": (["--set", "search.on_failure=retry"], "search.on_failure: 'retry'; use one of"),
    "evolution population of zero": (["--set", "search.searcher=evolution", "--set",
                                      "search.settings.population_size=0"], "search.settings.population_size: 0"),
}


@pytest.mark.parametrize("args, fragment", SEARCH_CONFIG.values(), ids=SEARCH_CONFIG.keys())
def test_search_refuses_a_bad_config_before_anything_starts(tmp_path, capsys, args, fragment):
    _assert_refused(tmp_path, capsys, [*CAMPAIGN, *args], fragment)


def _assert_refused(tmp_path, capsys, argv, fragment, keep=()):
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)  # nothing created
