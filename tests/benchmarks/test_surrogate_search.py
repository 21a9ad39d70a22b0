"""A smoke run of the searcher benchmark on the surrogate reward."""

import json

import surrogate_search


def test_benchmark_smoke(tmp_path, capsys):
    out = tmp_path / "result.json"
    result = surrogate_search.main(
        ["--seeds", "2", "--max-trials", "40", "--target", "35.5", "--searchers", "random,reinforce-async16",
         "--out", str(out)]
    )
    assert json.loads(out.read_text())["seeds"] == 2
    assert set(result["summary"]) == {"random", "reinforce-async16"}
    assert "| random |" in capsys.readouterr().out
