"""The trial-time breakdown on one real smoke trial: every phase is there and they add up to the wall."""

import json

import pytest

import trial_time
from proxy_task.runtime.phase_clock import PHASES


@pytest.mark.slow
def test_one_smoke_trial_is_split_into_phases_that_add_up(tmp_path, capsys):
    out = tmp_path / "trial_time.json"
    assert trial_time.main(["--preset", "smoke", "--trials", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    phases = result["mean_phases"]
    assert list(phases) == ["process start", "imports", *PHASES, "other"]
    assert phases["imports"] > 0 and phases["first_step"] > 0 and phases["detect"] > 0
    assert sum(phases.values()) == pytest.approx(result["mean_wall_seconds"], rel=1e-6)
    assert result["processor"] and "trial wall" in capsys.readouterr().out
