"""The step profiler: HLO parsing and phase attribution, and a real profile of the smoke step."""

import json
import os
import subprocess
import sys

import pytest

import step_profile

from tests.paths import REPO

BENCHMARKS = REPO / "benchmarks"

HLO = """HloModule jit_train_step

%fused_computation.1 (p: f32[4]) -> f32[4] {
  %p = f32[4]{0} parameter(0)
  ROOT %n = f32[4]{0} negate(%p), metadata={op_name="not/in/entry"}
}

ENTRY %main.9 (a: f32[4], b: f32[4]) -> f32[4] {
  %a = f32[4]{0} parameter(0), metadata={op_name="state.params"}
  %conv.1 = f32[2,8,8,4]{3,2,1,0} convolution(%a, %b), metadata={op_name="jit(train_step)/jvp(RetinaNet)/backbone/stem/conv"}
  %fusion.2 = f32[4]{0} fusion(%a), kind=kLoop, calls=%fused_computation.1, metadata={op_name="jit(train_step)/transpose(jvp(RetinaNet))/head/class_net/predict/dot_general"}
  %bitcast.3 = f32[2,2]{1,0} bitcast(%a)
  %fusion.4 = f32[4]{0} fusion(%a), kind=kLoop, calls=%fused_computation.1, metadata={op_name="jit(train_step)/transpose(jvp(loss))/exp"}
  ROOT %add.5 = f32[4]{0} add(%a, %a), metadata={op_name="jit(train_step)/optimizer/add"}
}
"""


def test_entry_instructions_keep_executed_ones_with_their_sources():
    instructions = step_profile.entry_instructions(HLO)
    assert list(instructions) == ["conv.1", "fusion.2", "fusion.4", "add.5"]
    assert instructions["conv.1"] == ("f32[2,8,8,4]{3,2,1,0}", "jit(train_step)/jvp(RetinaNet)/backbone/stem/conv")


def test_phases_and_totals_per_step():
    operations = step_profile.join(step_profile.entry_instructions(HLO), {"conv.1": 6.0, "fusion.2": 9.0, "add.5": 3.0}, 3)
    assert [(op.name, op.phase, op.milliseconds) for op in operations] == [
        ("fusion.2", "head backward", 3.0), ("conv.1", "backbone forward", 2.0),
        ("add.5", "optimizer", 1.0), ("fusion.4", "loss", 0.0),
    ]
    phases = step_profile.by_phase(operations)
    assert phases["head backward"] == {"milliseconds": 3.0, "operations": 1}
    assert step_profile.phase_of("jit(train_step)/vmap(anchor_labels)/gather") == "anchor_labels"
    assert step_profile.phase_of("jit(train_step)/anchor_labels/vmap()/gather") == "anchor_labels"
    assert step_profile.phase_of("") == "other"


@pytest.mark.slow
def test_a_real_profile_of_the_smoke_step(tmp_path):
    out = tmp_path / "profile.json"
    run = subprocess.run(
        [sys.executable, str(BENCHMARKS / "profile_step.py"), "--preset", "smoke", "--warmup", "0", "--steps", "1",
         "--allocator", "system", "--top", "5", "--convolutions", "ynnpack", "--output", str(out)],
        capture_output=True, text=True, timeout=600,
        env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"},  # '--allocator system' must hold
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    phases = report["phases"]
    for phase in ("backbone forward", "backbone backward", "head forward", "head backward", "loss", "optimizer",
                  "anchor_labels"):
        assert phases[phase]["operations"] > 0, phase
    assert phases["backbone backward"]["milliseconds"] > 0 and report["operations_per_step"] > 500
    assert len(report["slowest"]) == 5 and report["seconds_per_step"] > 0
    assert report["convolutions"] == "ynnpack" and 0 <= report["untraced_operations_per_step"] < report[
        "operations_per_step"]
    assert "head backward" in run.stdout and "slowest 5 operations" in run.stdout
