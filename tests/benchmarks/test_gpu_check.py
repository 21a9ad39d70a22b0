"""benchmarks/gpu_check.sh, the one script a lent GPU runs, run here first: tiny sizes, on JAX alone."""

import json

import pytest

from tests.benchmarks.jax_only import run_without_tensorflow

PLANNED = 6  # SpineNet-49 and R50-FPN x float32 and bfloat16, and SpineNet-49 x both dtypes with the kernels on


def test_a_budget_spent_before_the_first_measurement_skips_them_all_and_says_so(tmp_path):
    out = tmp_path / "out"
    run = run_without_tensorflow(tmp_path, "benchmarks/gpu_check.sh", str(out), "--tiny", "--budget-s", "0",
                                 timeout=120, program="bash")
    assert run.returncode == 0, run.stderr
    report = json.loads((out / "gpu_check.json").read_text())
    assert report["rows"] == [] and len(report["skipped"]) == PLANNED + 2  # + sharing and the trace
    assert "skipped (past --budget-s): train spinenet-49 bfloat16 kernels auto" in run.stdout


def test_without_an_output_folder_it_says_how_to_call_it(tmp_path):
    run = run_without_tensorflow(tmp_path, "benchmarks/gpu_check.sh", timeout=60, program="bash")
    assert run.returncode == 2 and "usage: bash benchmarks/gpu_check.sh OUT" in run.stderr


@pytest.mark.slow
def test_the_tiny_run_measures_every_row_the_sharing_and_a_trace(tmp_path):
    out = tmp_path / "out"
    run = run_without_tensorflow(tmp_path, "benchmarks/gpu_check.sh", str(out), "--tiny", "--rounds", "1",
                                 "--budget-s", "3000", timeout=1500, program="bash")
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((out / "gpu_check.json").read_text())
    assert report["skipped"] == [] and len(report["rows"]) == PLANNED
    for row in report["rows"]:
        assert "error" not in row, row
        assert row["images_per_second"] > 0 and row["eval_images_per_second"] > 0 and row["compile_seconds"] > 0
        assert row["kernels_on"] == (row["kernels"] in ("auto", "on"))  # auto is on for the CPU backend
        assert row["setting"]["name"] == "smoke" and "paper_trial_estimate" not in row  # paper rows only
    assert {(r["backbone"], r["dtype"]) for r in report["rows"]} == {
        (b, d) for b in ("spinenet-49", "r50-fpn") for d in ("float32", "bfloat16")}
    sharing = report["sharing"]
    assert sharing["environment"] == {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "XLA_PYTHON_CLIENT_MEM_FRACTION": "0.225"}
    assert len(sharing["shared"]["per_worker"]) == 4 and sharing["alone"]["images_per_second"] > 0
    assert sharing["shared_over_alone"] > 0
    assert report["trace"] == str(out / "trace") and any(p.is_file() for p in (out / "trace").rglob("*"))
    assert "sharing (" in run.stdout and "device: cpu" in run.stdout
