"""benchmarks/mobile_table10.py: our side of the Table 10 detectors, and the TF side where TF Model Garden is."""

import json

import mobile_table10
import pytest
from speed_tf import TF_PYTHON


def test_without_tf_it_prints_and_records_our_counts(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(mobile_table10, "TF_PYTHON", tmp_path / "no-python")
    out = tmp_path / "table10.json"
    assert mobile_table10.main(["--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "2,337,579" in printed.out and "setup_env.sh" in printed.err
    results = json.loads(out.read_text())
    assert {variant: r["ours"]["total_params"] for variant, r in results.items()} == {
        "49XS-mobile": 872_711, "49S-mobile": 1_030_653, "49-mobile": 2_337_579}
    assert results["49-mobile"]["tf_model_garden"] is None


@pytest.mark.slow
@pytest.mark.skipif(not TF_PYTHON.exists(), reason="needs .venv-tfmg (benchmarks/tf_model_garden/setup_env.sh)")
def test_tf_model_garden_counts_what_we_count():
    theirs = mobile_table10.tf_side("49XS-mobile")
    ours = mobile_table10.ours("49XS-mobile")
    assert theirs["total_params"] == ours["total_params"] and theirs["backbone_params"] == ours["backbone_params"]
    assert theirs["total_conv_madds"] == ours["total_madds"]
    assert theirs["total_madds"] > ours["total_madds"]  # the profiler also counts element-wise ops
