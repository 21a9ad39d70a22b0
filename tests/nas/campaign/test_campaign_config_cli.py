"""Campaign configs and the command line: bad input is refused before anything starts."""

import json

import pytest

from nas.campaign import config_loading as campaign_config
from nas.cli import main
from nas.overrides import ConfigError


# The table of bad --set values is tests/nas/cli/test_bad_input.py.


def test_search_refuses_an_unknown_allocator_before_starting(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SPINENET_NAS_ALLOCATOR", "tcmalloc")
    root = tmp_path / "campaign"
    assert main(["search", "--dir", str(root), "--set", "preset=smoke"]) == 2
    assert "SPINENET_NAS_ALLOCATOR='tcmalloc' is not an allocator" in capsys.readouterr().err
    assert not root.exists()


def test_a_config_file_is_checked_like_set(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text('preset = "smoke"\n[search]\nnum_trials = 7\n[search.settings]\nlearning_rate = 0.03\n')
    config = campaign_config.resolve(["search.concurrency=3"], good)
    assert config.preset == "smoke" and config.search.num_trials == 7 and config.search.concurrency == 3
    assert config.search.settings == {"learning_rate": 0.03, "batch_size": 3}  # sync: batch = concurrency
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"search": {"num_trial": 7}}))
    assert main(["search", "--dir", str(tmp_path / "c"), "--config", str(bad)]) == 2
    assert "unknown config key 'search.num_trial'" in capsys.readouterr().err


def test_the_saved_config_rebuilds_exactly():
    config = campaign_config.resolve(["preset=smoke", "proxy.scaling.input_size=256", "proxy.data.input_size=256",
                                      "resources.custom.TPU=4", "search.mode=async"])
    assert campaign_config.from_dict(campaign_config.to_dict(config)) == config
    assert config.trial_resources() == {"CPU": 1.0, "TPU": 4.0}


def test_resume_refuses_keys_that_would_change_what_was_learned(tmp_path, capsys):
    with pytest.raises(ConfigError, match="cannot change when resuming"):
        campaign_config.check_resume_overrides(["search.settings.learning_rate=1"])
    campaign_config.check_resume_overrides(["search.max_failures=9", "resources.gpus=0.5", "search.num_trials=99"])
    assert main(["resume", str(tmp_path / "nothing")]) == 2
    assert "not a campaign directory" in capsys.readouterr().err
