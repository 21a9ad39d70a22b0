"""One run on a lent GPU: the ``paper`` proxy step's speed, a trial's minutes, four trials sharing the GPU.

Command (the device tool runs it in a copy of the working tree)::

    bash benchmarks/gpu_check.sh OUT          # figures printed, OUT/gpu_check.json, OUT/trace/

It needs only JAX, Flax, Optax and NumPy. Each measurement runs in a process
of its own (``--measure``), so each has its own peak device memory and a
crash costs one row; they share a persistent compilation cache, so repeats
and the sharing workers load what an earlier one compiled. The parent never
touches the device (JAX would preallocate its memory). Measurements run in
order of importance under one budget (``--budget-s``); one that would end
past it is recorded as skipped, and the JSON is rewritten after each, so a
run cut short keeps what it measured.

- **train**: RetinaNet with SpineNet-49 and with R50-FPN at proxy scaling, the
  ``paper`` setting (512 px, batch 64, 80 classes, 100 boxes per image), in
  float32 and bfloat16, with the CPU kernels off (``auto`` on an accelerator)
  and, for SpineNet-49, on: compile seconds, seconds per step (a median over
  rounds), images/s, peak device memory;
- **eval**: the evaluation step (forward pass, decoding, NMS) at that batch;
- **paper trial minutes** from those (``speed.trial_estimate``: 5 epochs of
  110,895 images, evaluation of 7,392, compilation; what it leaves out is in
  the JSON);
- **sharing**: four workers with the environment a campaign gives trials of
  ``resources.gpus=0.25`` (``nas.campaign.trainable.jax_environment``) train
  at once after a barrier; their images/s together against one such worker;
- **trace**: ``jax.profiler`` trace of three steps of SpineNet-49 in bfloat16.

The order: SpineNet-49 in bfloat16 and float32, sharing, R50-FPN, the
kernels on, the trace. A measurement starts only if the longest so far would
still end within the budget.

``--tiny``: the ``smoke`` setting (128 px, batch 4), one step a round: how
the script is tested on a CPU (``tests/benchmarks/test_gpu_check.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# (backbone, dtype, kernels), most important first: the figures the issue asks for before the extras.
TRAIN_PLAN = [("spinenet-49", "bfloat16", "auto"), ("spinenet-49", "float32", "auto"),
              ("r50-fpn", "bfloat16", "auto"), ("r50-fpn", "float32", "auto"),
              ("spinenet-49", "bfloat16", "on"), ("spinenet-49", "float32", "on")]
SHARING_WORKERS = 4
SHARING_GPUS = 1 / SHARING_WORKERS
CACHE = Path(tempfile.gettempdir()) / "spinenet-nas-gpu-check-cache"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for gpu_check.json and the trace")
    parser.add_argument("--tiny", action="store_true", help="smoke setting, one step a round (the CPU test)")
    parser.add_argument("--budget-s", type=float, default=450.0, help="no new measurement starts after this")
    parser.add_argument("--steps", type=int, help="timed steps per round (default 10, tiny 1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--eval-steps", type=int, help="timed evaluation batches (default 5, tiny 1)")
    args = parser.parse_args(argv)
    args.steps = args.steps or (1 if args.tiny else 10)
    args.eval_steps = args.eval_steps or (1 if args.tiny else 5)
    return args


def sharing_environment() -> dict[str, str]:
    """What a campaign sets for a trial of ``resources.gpus=0.25`` (no preallocation, a memory fraction)."""
    from nas.campaign.config_loading import resolve
    from nas.campaign.trainable import jax_environment

    config = resolve(["preset=paper", f"resources.gpus={SHARING_GPUS}", "trial.compilation_cache=false"])
    return {k: v for k, v in jax_environment(config).items() if k.startswith("XLA_PYTHON_CLIENT")}


def start_worker(args, backbone: str, dtype: str, kernels: str, env: dict | None = None, **options) -> subprocess.Popen:
    command = [sys.executable, str(Path(__file__).with_name("gpu_check_worker.py")), backbone, dtype, kernels,
               "--setting", "smoke" if args.tiny else "paper", "--steps", str(args.steps),
               "--rounds", str(args.rounds)]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    environment = {**os.environ, "JAX_COMPILATION_CACHE_DIR": str(CACHE), **(env or {})}
    return subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def collect(worker: subprocess.Popen, timeout_s: float) -> dict:
    """The worker's result line, or ``{'error': ...}`` with its last stderr lines."""
    try:
        out, err = worker.communicate(timeout=max(timeout_s, 60.0))
    except subprocess.TimeoutExpired:
        worker.kill()
        out, err = worker.communicate()
        return {"error": f"timed out after {timeout_s:.0f} s", "stderr": err[-2000:]}
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if worker.returncode != 0 or not lines:
        return {"error": f"exit status {worker.returncode}", "stderr": err[-2000:]}
    return json.loads(lines[-1][len("RESULT "):])


def with_trial_estimate(row: dict) -> dict:
    import speed

    if "images_per_second" in row and row["setting"]["name"] == "paper":
        row["paper_trial_estimate"] = speed.trial_estimate({"setting": row["setting"], "ours": row,
                                                            "eval_seconds_per_batch": row.get("eval_seconds_per_batch")})
    return row


def sharing(args, dtype: str, deadline: float) -> dict:
    """Images/s of one worker alone and of four at once, all with the 0.25-GPU environment."""
    env = sharing_environment()
    result = {"environment": env, "dtype": dtype, "workers": SHARING_WORKERS}
    for parties in (1, SHARING_WORKERS):
        barrier = Path(tempfile.mkdtemp(prefix="gpu-check-barrier-"))
        workers = [start_worker(args, "spinenet-49", dtype, "auto", env, barrier=barrier, parties=parties)
                   for _ in range(parties)]
        rows = [collect(w, deadline - time.monotonic() + 120) for w in workers]
        if any("error" in r for r in rows):
            result["error" if parties == 1 else "error_shared"] = [r for r in rows if "error" in r]
            return result
        # Together: every timed image over the span from the first timed start to the last timed end.
        span = max(r["timed_span"][1] for r in rows) - min(r["timed_span"][0] for r in rows)
        images = sum(r["timed_images"] for r in rows)
        result["alone" if parties == 1 else "shared"] = {
            "images_per_second": images / span, "per_worker": [r["images_per_second"] for r in rows],
            "peak_memory_bytes": [r["peak_memory_bytes"] for r in rows]}
    result["shared_over_alone"] = result["shared"]["images_per_second"] / result["alone"]["images_per_second"]
    return result


def run(args) -> dict:
    """Every measurement that the budget affords, most important first; the report, also written as it grows."""
    args.out.mkdir(parents=True, exist_ok=True)
    deadline, longest = time.monotonic() + args.budget_s, 0.0
    report = {"command": "bash benchmarks/gpu_check.sh " + " ".join(sys.argv[1:]), "tiny": args.tiny,
              "steps_per_round": args.steps, "rounds": args.rounds, "budget_s": args.budget_s, "device": None,
              "rows": [], "sharing": None, "trace": None, "skipped": []}

    def train(backbone: str, dtype: str, kernels: str) -> None:
        row = collect(start_worker(args, backbone, dtype, kernels, eval_steps=args.eval_steps),
                      deadline - time.monotonic() + 180)
        row.update(backbone=backbone, dtype=dtype, kernels=kernels)
        report["device"] = report["device"] or row.get("device")
        report["rows"].append(with_trial_estimate(row))

    def share() -> None:
        done = [r for r in report["rows"] if r["backbone"] == "spinenet-49" and "images_per_second" in r]
        dtype = max(done, key=lambda r: r["images_per_second"])["dtype"] if done else "bfloat16"
        report["sharing"] = sharing(args, dtype, deadline)

    def trace() -> None:
        outcome = collect(start_worker(args, "spinenet-49", "bfloat16", "auto", trace=args.out / "trace"),
                          deadline - time.monotonic() + 120)
        report["trace"] = str(args.out / "trace") if "error" not in outcome else outcome

    steps = [(f"train {b} {d} kernels {k}", 1.0, lambda b=b, d=d, k=k: train(b, d, k)) for b, d, k in TRAIN_PLAN]
    # Sharing runs one worker, then four at once from the compilation cache: about two measurements' time.
    steps = steps[:2] + [("sharing", 2.0, share)] + steps[2:] + [("trace", 1.0, trace)]
    for name, weight, step in steps:
        if time.monotonic() + weight * longest > deadline:  # would end past the budget: left out, said so
            report["skipped"].append(name)
            continue
        print(f"{name} ...", file=sys.stderr, flush=True)
        began = time.monotonic()
        step()
        longest = max(longest, (time.monotonic() - began) / weight)
        (args.out / "gpu_check.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "gpu_check.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def print_report(report: dict) -> None:
    print(f"device: {report['device']}")
    print(f"{'backbone':12} {'dtype':9} {'kernels':7} {'img/s':>8} {'s/step':>7} {'compile s':>9} "
          f"{'peak GiB':>8} {'eval img/s':>10} {'trial min':>9}")
    for row in report["rows"]:
        if "error" in row:
            print(f"{row['backbone']:12} {row['dtype']:9} {row['kernels']:7} failed: {row['error']}")
            continue
        peak = "-" if row["peak_memory_bytes"] is None else f"{row['peak_memory_bytes'] / 2 ** 30:8.1f}"
        trial = row.get("paper_trial_estimate", {}).get("total_minutes")
        print(f"{row['backbone']:12} {row['dtype']:9} {row['kernels']:7} {row['images_per_second']:8.1f} "
              f"{statistics.median(row['seconds_per_step']):7.3f} {row['compile_seconds']:9.1f} {peak:>8} "
              f"{row.get('eval_images_per_second', 0):10.1f} {'-' if trial is None else f'{trial:9.1f}':>9}")
    shared = report["sharing"]
    if shared and "shared_over_alone" in shared:
        print(f"sharing ({shared['dtype']}): {shared['workers']} workers {shared['shared']['images_per_second']:.1f} "
              f"img/s together, one alone {shared['alone']['images_per_second']:.1f}: "
              f"{shared['shared_over_alone']:.2f}x")
    if report["skipped"]:
        print(f"skipped (past --budget-s): {', '.join(report['skipped'])}")


def main(argv=None) -> None:
    args = parse_args(argv)
    print_report(run(args))
    print(f"wrote {args.out / 'gpu_check.json'}")


if __name__ == "__main__":
    main()
