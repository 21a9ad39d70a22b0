"""Where a proxy trial's wall time goes, on the real child-process path of a campaign.

Command (``cpu`` preset: about 25 minutes on the 2-core Xeon, nothing else running)::

    python benchmarks/trial_time.py [--preset cpu] [--spec spinenet-49] [--trials 2] [--compilation-cache]

Each trial runs as a campaign runs it (``nas.campaign.trial.run_trial``: a child
``python -m nas.campaign.trial_process`` with jemalloc, its own JAX, a time
limit), in a fresh work directory, one after the other on a dataset prepared
beforehand (a campaign prepares it once per machine; that cost is reported on
its own line). The trial's wall time is split into:

- ``process start`` and ``imports``: a separate child that only imports what
  the trial child imports (TensorFlow, JAX, Flax, the proxy task), timed from
  its spawn; the same cost is assumed in each trial;
- the phases ``train_and_evaluate`` times (``proxy_task.runtime.phase_clock``):
  ``prepare`` (spec check, dataset info, model), ``init`` (parameters, compiled),
  ``first_step`` (compiling the training step), ``train`` (the other steps, input
  pipeline included), ``reads``, ``detect`` (held-out forward passes, the first
  compiling) and ``score`` (COCO matching and AP);
- ``other``: the rest (the dataset check under its lock, writing the outcome,
  the worker's bookkeeping).

Everything but ``train`` is overhead a campaign pays per trial. Writes
``benchmarks/results/trial_time.json`` with the processor's name.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from speed_jax import host_cpu  # benchmarks/ is on the path when run as a script
from nas.campaign.trial import TrialTask, run_trial
from nas.overrides import apply_overrides
from proxy_task.config import get_preset
from proxy_task.runtime.host_allocator import child_environment
from proxy_task.runtime.phase_clock import PHASES
from search_space.builtins import get_builtin
from search_space.serialization import spec_to_dict

RESULT = Path(__file__).parent / "results" / "trial_time.json"
IMPORTS = "import nas.campaign.trial_process, proxy_task.train, proxy_task.data"


def import_seconds() -> tuple[float, float]:
    """(process start, imports) of a child that imports what a trial child imports."""
    import os

    code = f"import time; t = time.perf_counter(); {IMPORTS}; print(time.perf_counter() - t)"
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env=child_environment(os.environ))
    wall = time.perf_counter() - start
    imports = float(out.stdout.strip().splitlines()[-1])
    return wall - imports, imports


def prepare_seconds(config) -> float:
    from proxy_task.data import ensure_prepared

    start = time.perf_counter()
    ensure_prepared(config.data)
    return time.perf_counter() - start


def one_trial(index: int, spec: dict, config, root: Path, start_and_imports: float, env: dict) -> dict:
    task = TrialTask(trial=index, spec=spec, workdir=str(root / f"trial-{index}"), kind="proxy", proxy=config,
                     time_limit_s=None, env=tuple(sorted(env.items())))
    outcome = run_trial(task)
    if not outcome.ok:
        raise SystemExit(f"trial {index} failed: {outcome.error}\n{outcome.traceback or ''}")
    result = json.loads((root / f"trial-{index}" / "result.json").read_text())
    phases = {name: result["phases"].get(name, 0.0) for name in PHASES}
    other = outcome.wall_seconds - start_and_imports - sum(phases.values())
    return {"wall": outcome.wall_seconds, "phases": phases, "other": other, "reward": outcome.reward,
            "steps": result["steps"]}


def render(rows: list[tuple[str, float]], wall: float) -> str:
    lines = [f"{'phase':<16} {'seconds':>9} {'share':>7}"]
    lines += [f"{name:<16} {seconds:9.1f} {seconds / wall:7.1%}" for name, seconds in rows]
    lines.append(f"{'trial wall':<16} {wall:9.1f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--spec", default="spinenet-49")
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="proxy config overrides")
    parser.add_argument("--compilation-cache", action="store_true",
                        help="the trials share a fresh persistent compilation cache (trial.compilation_cache): "
                             "the first compiles, the others load")
    parser.add_argument("--out", default=str(RESULT))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trial-time-") as tmp:
        root = Path(tmp)
        config = apply_overrides(get_preset(args.preset), [f"data.data_dir={root / 'tfds'}", *args.set])
        prepare = prepare_seconds(config)
        process_start, imports = import_seconds()
        spec = spec_to_dict(get_builtin(args.spec))
        # Without the switch, no cache at all (not even one named by the environment): the plain path.
        env = {"JAX_COMPILATION_CACHE_DIR": str(root / "xla-cache")} if args.compilation_cache else {
            "JAX_ENABLE_COMPILATION_CACHE": "false"}
        trials = [one_trial(i, spec, config, root, process_start + imports, env) for i in range(args.trials)]
    wall = statistics.fmean(t["wall"] for t in trials)
    rows = [("process start", process_start), ("imports", imports)]
    rows += [(name, statistics.fmean(t["phases"][name] for t in trials)) for name in PHASES]
    rows.append(("other", statistics.fmean(t["other"] for t in trials)))
    print(f"{args.preset} trial of {args.spec}, mean of {len(trials)} on {host_cpu()}; dataset preparation "
          f"(once per machine) {prepare:.1f} s\n{render(rows, wall)}")
    for index, trial in enumerate(trials):
        compiled = trial["phases"]["init"] + trial["phases"]["first_step"] + trial["phases"]["detect"]
        print(f"trial {index}: wall {trial['wall']:.1f} s, of which init + first step + detect {compiled:.1f} s")
    out = {"preset": args.preset, "spec": args.spec, "overrides": args.set, "processor": host_cpu(),
           "compilation_cache": args.compilation_cache,
           "dataset_preparation_seconds": prepare, "mean_wall_seconds": wall, "mean_phases": dict(rows),
           "trials": trials}
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({"result": args.out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
