"""Where a training step's time goes: a profiler trace joined with the optimized HLO.

``jax.profiler`` records one event per executed XLA operation (a *thunk* on
CPU: a fusion, a convolution, a copy), named after its HLO instruction. The
optimized HLO dump gives each instruction the JAX source it came from
(``op_name`` metadata, e.g. ``jit(train_step)/transpose(jvp(RetinaNet))/head/
class_net/predict/dot_general``), so every event can be charged to a phase of
the step. ``proxy_task.train_step`` marks its phases with named scopes
(``anchor_labels``, ``loss``, ``optimizer``); the model's are its modules.

Times are *thread* milliseconds per step: the sum of the operations' durations
over all threads, so on 2 cores they can add up to twice the wall time.
"""

from __future__ import annotations

import collections
import dataclasses
import re
from pathlib import Path

# Instructions that execute nothing: no event, no time.
_NOT_EXECUTED = re.compile(r" (parameter|bitcast|constant|get-tuple-element|tuple|after-all)\(")
_INSTRUCTION = re.compile(r"^\s*(?:ROOT )?%?([\w.\-]+) = (\S+) ")
_OP_NAME = re.compile(r'op_name="([^"]*)"')
# First match wins: the step's named scopes, then the model's parts.
PHASES = ("optimizer", "anchor_labels", "loss", "backbone", "head")


@dataclasses.dataclass(frozen=True)
class Operation:
    """One executed HLO instruction of the step and its thread time per step."""

    name: str
    shape: str
    source: str
    phase: str
    milliseconds: float


def phase_of(op_name: str) -> str:
    """``'backbone backward'``, ``'loss'``, ... for an instruction's ``op_name`` metadata."""
    for phase in PHASES:
        if f"/{phase}/" in f"/{op_name}/" or f"({phase})" in op_name:
            if phase in ("backbone", "head"):
                return f"{phase} {'backward' if 'transpose(' in op_name else 'forward'}"
            return phase
    return "other"


def entry_instructions(hlo_text: str) -> dict[str, tuple[str, str]]:
    """``{instruction name: (shape, op_name)}`` of the executed instructions of the ENTRY computation."""
    instructions, inside = {}, False
    for line in hlo_text.splitlines():
        if line.startswith("ENTRY"):
            inside = True
            continue
        if not inside:
            continue
        if line.startswith("}"):
            break
        match = _INSTRUCTION.match(line)
        if match and not _NOT_EXECUTED.search(line):
            source = _OP_NAME.search(line)
            instructions[match.group(1)] = (match.group(2), source.group(1) if source else "")
    return instructions


def event_milliseconds(xspace_path: Path) -> dict[str, float]:
    """Total duration in ms of every event name in a profiler ``.xplane.pb`` file, all threads."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2  # TF ships the XSpace protobuf

    space = xplane_pb2.XSpace()
    space.ParseFromString(Path(xspace_path).read_bytes())
    totals: dict[str, float] = collections.Counter()
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                totals[plane.event_metadata[event.metadata_id].name] += event.duration_ps / 1e9
    return totals


def join(instructions: dict[str, tuple[str, str]], milliseconds: dict[str, float], steps: int) -> list[Operation]:
    """The executed instructions with their time per step, slowest first."""
    operations = [
        Operation(name, shape, source, phase_of(source), milliseconds.get(name, 0.0) / steps)
        for name, (shape, source) in instructions.items()
    ]
    return sorted(operations, key=lambda op: -op.milliseconds)


def by_phase(operations: list[Operation]) -> dict[str, dict[str, float]]:
    """``{phase: {'milliseconds': thread ms per step, 'operations': count}}``, largest first."""
    phases: dict[str, dict[str, float]] = {}
    for op in operations:
        entry = phases.setdefault(op.phase, {"milliseconds": 0.0, "operations": 0})
        entry["milliseconds"] += op.milliseconds
        entry["operations"] += 1
    return dict(sorted(phases.items(), key=lambda item: -item[1]["milliseconds"]))


def find_step_dump(dump_dir: Path) -> Path:
    """The optimized HLO text of the jitted train step in an ``--xla_dump_to`` folder."""
    found = sorted(
        p for p in Path(dump_dir).glob("*train_step*after_optimizations.txt") if "buffer-assignment" not in p.name
    )
    if not found:
        raise FileNotFoundError(f"no optimized HLO of train_step in {dump_dir}; was XLA_FLAGS set before jax started?")
    return found[-1]
