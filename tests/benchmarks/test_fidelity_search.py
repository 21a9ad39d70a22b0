"""A small run of the multi-fidelity benchmark: real campaigns on simulated workers, both modes."""

import json

import fidelity_search


def test_benchmark_runs_both_modes_and_writes_paired_regrets(tmp_path, capsys):
    out = tmp_path / "result.json"
    assert fidelity_search.main(["--seeds", "2", "--budget", "6", "--concurrency", "2", "--rungs", "0.25,1",
                                 "--eta", "2", "--searchers", "random,evolution", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result["searchers"]) == {"random", "evolution"}
    cell = result["searchers"]["random"]["1"]
    assert cell["seeds"] == 2 and cell["full"]["low"] <= cell["full"]["mean"] <= cell["full"]["high"]
    assert 0 < result["first_rung_spearman"]["0.25"] < 1
    assert "random     at    1 of the budget: regret full" in capsys.readouterr().out


def test_the_pick_of_a_trace_is_the_one_finished_by_then():
    trace = [(0.25, 3.0), (0.5, 2.0), (1.25, 1.0)]
    assert [fidelity_search.regret_at(trace, units) for units in (0.1, 0.5, 1.0, 2.0)] == [3.0, 2.0, 2.0, 1.0]
