"""Profiles our training step: thread time per phase and the slowest XLA operations.

Command (a fresh process: XLA reads its flags when JAX starts)::

    python benchmarks/profile_step.py --preset paper --batch 8
    python benchmarks/profile_step.py --preset cpu

It compiles the step ``benchmarks/speed.py`` times (``speed_jax.JaxTrainer``),
runs ``--warmup`` steps, times ``--steps`` steps, then traces ``--steps`` more
with ``jax.profiler`` and charges every executed operation to a phase
(``step_profile.py``): backbone and head, forward and backward; anchor
labelling; loss; optimizer. It prints the phases and the ``--top`` slowest
operations with their shapes and JAX sources, and writes
``benchmarks/results/profile_<preset>.json``. Like ``speed.py`` it runs on
jemalloc unless ``--allocator system``.

On a CPU the step compiles with ``proxy_task.runtime.xla_cpu_options``, whose Eigen
convolutions emit no trace events: they are counted as untraced operations
and their time is missing from the phases. ``--convolutions ynnpack``
profiles the step with XLA's default YNNPACK convolutions instead, all of
which are traced (the figures below were taken that way, before the option).

Use it to decide what to speed up next. On the 2-core dev machine a ``paper``
step (batch 8) spends its thread time 41% in the head (the 64 -> 720 class
predictor alone 15%), 42% in the backbone, 8% in the loss, 4% in anchor
labelling (which TF's step does not include: its labels come precomputed)
and 4,670 operations; a ``cpu`` step 34% in the head, 58% in the backbone,
in 4,537 operations (``results/profile_{paper,cpu}.json``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or imported by tests

import step_profile  # noqa: E402
from proxy_task.runtime import host_allocator  # noqa: E402

RESULTS = Path(__file__).parent / "results"
YNNPACK_DEFAULT = "--xla_cpu_experimental_ynn_fusion_type=individual_dot,individual_convolution,reduce"
TRACE_FLAGS = "--xla_cpu_enable_xprof_traceme=true --xla_dump_hlo_as_text --xla_dump_hlo_module_re=.*train_step.*"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=("paper", "cpu", "smoke"), default="cpu")
    parser.add_argument("--batch", type=int, default=None, help="batch size (default: the preset's)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3, help="steps timed, and steps traced")
    parser.add_argument("--top", type=int, default=25, help="slowest operations to list")
    parser.add_argument("--allocator", choices=host_allocator.CHOICES, default="jemalloc")
    parser.add_argument("--convolutions", choices=("step", "ynnpack"), default="step",
                        help="step: as the train step compiles them (untraced Eigen kernels on a CPU); "
                             "ynnpack: XLA's default, traced")
    parser.add_argument("--output", type=Path, default=None, help="default: results/profile_<preset>.json")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if argv is None:
        host_allocator.require(args.allocator, [str(Path(__file__).resolve()), *sys.argv[1:]])
    if "jax" in sys.modules:
        raise SystemExit("profile_step.py must start JAX itself (XLA reads its flags then); run it as a script.")
    dump = Path(tempfile.mkdtemp(prefix="spinenet-profile-"))
    # A user's XLA_FLAGS setting of the option overrides the step's compiler options (xla_cpu_options).
    default_convolutions = f" {YNNPACK_DEFAULT}" if args.convolutions == "ynnpack" else ""
    os.environ["XLA_FLAGS"] = (f"{os.environ.get('XLA_FLAGS', '')} {TRACE_FLAGS} --xla_dump_to={dump}"
                               + default_convolutions)
    try:
        report = profile(args, dump)
    finally:
        shutil.rmtree(dump, ignore_errors=True)
    print_report(report, args.top)
    output = args.output or RESULTS / f"profile_{args.preset}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {output}")


def profile(args, dump: Path) -> dict:
    import jax

    import speed_jax

    setting = speed_jax.preset_setting(args.preset, args.batch)
    trainer = speed_jax.JaxTrainer.build(setting)
    trainer.run(args.warmup)
    timed = trainer.run(args.steps)
    with jax.profiler.trace(str(dump / "trace")):
        trainer.run(args.steps)
    xplane = next((dump / "trace").rglob("*.xplane.pb"))
    instructions = step_profile.entry_instructions(step_profile.find_step_dump(dump).read_text())
    operations = step_profile.join(instructions, step_profile.event_milliseconds(xplane), args.steps)
    return {
        "command": " ".join(["python benchmarks/profile_step.py", *sys.argv[1:]]),
        "device": speed_jax.device_description(), "jax_version": jax.__version__,
        "host_allocator": host_allocator.active_allocator(),
        "setting": dataclasses.asdict(setting),
        "seconds_per_step": timed["seconds"] / args.steps, "cpu_seconds_per_step": timed["cpu_seconds"] / args.steps,
        "thread_milliseconds_per_step": sum(op.milliseconds for op in operations),
        "operations_per_step": len(operations),
        "untraced_operations_per_step": sum(op.milliseconds == 0 for op in operations),
        "convolutions": args.convolutions,
        "phases": step_profile.by_phase(operations),
        "slowest": [vars(op) for op in operations[:args.top]],
    }


def print_report(report: dict, top: int) -> None:
    setting = report["setting"]
    total = report["thread_milliseconds_per_step"]
    print(f"{setting['name']} ({setting['input_size']} px, batch {setting['batch_size']}): "
          f"{report['seconds_per_step']:.3f} s per step, {report['cpu_seconds_per_step']:.3f} s CPU; "
          f"operations {total:,.0f} thread-ms in {report['operations_per_step']:,} operations, "
          f"{report['untraced_operations_per_step']:,} of them untraced (--convolutions {report['convolutions']})")
    print(f"{'phase':<20} {'thread ms':>10} {'share':>6} {'operations':>11}")
    for phase, entry in report["phases"].items():
        print(f"{phase:<20} {entry['milliseconds']:>10.1f} {entry['milliseconds'] / total:>6.0%} "
              f"{entry['operations']:>11,}")
    print(f"slowest {top} operations (thread ms per step):")
    for op in report["slowest"][:top]:
        source = op["source"].split("RetinaNet))/")[-1].split("RetinaNet)/")[-1]
        print(f"{op['milliseconds']:9.2f}  {op['name']:<28} {op['shape'][:30]:<30} {op['phase']:<17} {source[-70:]}")


if __name__ == "__main__":
    main()
