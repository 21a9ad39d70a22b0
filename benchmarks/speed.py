"""Training images/s of our proxy RetinaNet-SpineNet-49 against TF Model Garden's, side by side.

Command (about 10 minutes on 2 CPU cores; needs ``.venv-tfmg``, see below)::

    python benchmarks/speed.py

Two settings, each with our proxy scaling (SpineNet-49, filter size scale
0.25, resample alpha 0.25, 64-d endpoints, head 4 x 64) and the preset's input
size, boxes per image and classes:

* ``paper``: 512 px, 80 COCO classes, 100 boxes per image. The preset's batch
  is 64; on a CPU the default batch is 8 (``--paper-batch``), since a
  batch-64 step takes about a minute on 2 cores. Both frameworks get the
  same batch.
* ``cpu``: 128 px, batch 16, 8 classes, 16 boxes per image.

Both sides train on the same synthetic batch (``speed_inputs.py``), from the
real training step: ours is ``proxy_task.train_step.train_step`` jitted as
``proxy_task.train`` jits it (anchor labelling included); TF's is
``RetinaNetTask.train_step`` in a ``tf.function``, run by
``tf_model_garden/retinanet_spinenet_speed.py`` in its own environment
(anchor labels precomputed, as its tf.data parser would; this favours TF).
Compilation and warm-up steps are excluded. On a shared machine timings are
noisy, so the frameworks alternate (ours then TF, TF then ours, ...) for
``--rounds`` rounds of ``--*-steps`` steps, and the medians are compared;
process CPU seconds per step are recorded too.

FLOP/s: a training image costs 6 x the batch-1 forward convolution
multiply-adds (``search_space.cost.count_cost``): 2 FLOPs per multiply-add,
and the backward pass costs twice the forward one. The fraction is training
FLOP/s over the best square ``jnp.matmul`` FLOP/s of this machine.

On a GPU (no TF by default) the script also times the evaluation step and
estimates the minutes of a full ``paper`` trial: 5 epochs of 110,895 images at
batch 64 (8,660 steps), evaluation of the 7,392 held-out images, compilation.
It writes ``benchmarks/results/speed.json``.

The TF environment: ``bash benchmarks/tf_model_garden/setup_env.sh``
(tf-models-official 2.20.0 and TensorFlow 2.20 in ``.venv-tfmg``).

Our side runs on jemalloc (``--allocator``, default ``jemalloc`` on a CPU as
``spinenet-nas`` trains, ``system`` on an accelerator; the script restarts
itself on it), TF as installed
(``--tf-allocator system``); ``speed.json`` records both. Given jemalloc too,
TF gained about 4% in a separate check (1.41 vs 1.47 s per paper step).

Result of ``python benchmarks/speed.py --dtypes float32 bfloat16`` on the 2-core
AMD EPYC of the dev machine (jax 0.10.2; medians of 5 alternating rounds after
2 warm-up steps; matmul peak 460 GFLOP/s float32, 929 bfloat16)::

    setting  px   batch  dtype     ours img/s  TF img/s  ours/TF  (CPU time)  ours / TF of matmul peak
    paper    512  8      float32   5.82        5.48      1.06     1.07        41.9% / 39.5%
    cpu      128  16     float32   117.7       95.9      1.23     1.19        33.5% / 27.3%
    paper    512  8      bfloat16  4.98        7.33      0.68     0.67        17.8% / 26.2%
    cpu      128  16     bfloat16  97.5        104.0     0.94     0.86        13.7% / 14.7%

Rounds vary by about 6% on this shared machine (a float32 run just before:
1.04 and 1.25). Pinned to one core (``taskset -c 0``, ``--rounds 3``): 1.09
and 0.96. On a 2-core Intel Xeon with AVX-512 and AMX (matmul 135 GFLOP/s
float32), TF's oneDNN is ahead: float32 0.90 and 0.94, bfloat16 0.62 and 0.80
(``--rounds 3``, ``results/speed_xeon.json``). The 1.5x target is not met.
The ratios were 0.46 and 0.73 at first; docs/performance.md says what
moved them, why 1.5x is out of reach on both CPUs, and what was tried without
gain.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
from pathlib import Path

import jax

import speed_jax
import speed_tf
from proxy_task.kernels import KERNEL_SETTINGS, kernels_on
from proxy_task.runtime import host_allocator
from speed_inputs import Setting

RESULTS = Path(__file__).parent / "results" / "speed.json"
PAPER_STEPS = 5 * (110_895 // 64)  # proxy_task.train: epochs x (train images // batch)
PAPER_EVAL_BATCHES = math.ceil(7_392 / 64)
SETUP_TIMEOUT_S, ROUND_TIMEOUT_S = 900.0, 600.0


def parse_args(argv=None) -> argparse.Namespace:
    on_cpu = jax.default_backend() == "cpu"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", nargs="+", default=["paper", "cpu"], choices=["paper", "cpu", "smoke"])
    parser.add_argument("--paper-batch", type=int, default=8 if on_cpu else 64)
    parser.add_argument("--cpu-batch", type=int, default=None, help="default: the preset's (16)")
    parser.add_argument("--paper-steps", type=int, default=3 if on_cpu else 20, help="timed steps per round")
    parser.add_argument("--cpu-steps", type=int, default=10 if on_cpu else 50, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kernels", choices=KERNEL_SETTINGS, default="auto",
                        help="BackboneOptions.kernels of our model: the hand-written gradients (auto: on a CPU)")
    parser.add_argument("--warmup", type=int, default=2 if on_cpu else 3,
                        help="untimed steps after compiling (jemalloc maps its memory in the first ones)")
    parser.add_argument("--dtypes", nargs="+", default=["float32"] if on_cpu else ["float32", "bfloat16"],
                        choices=sorted(speed_jax.DTYPES), help="compute dtypes; TF runs each in the same dtype")
    parser.add_argument("--tf", choices=["auto", "on", "off"], default="auto",
                        help="run TF Model Garden beside ours; auto: on a CPU, if its environment exists")
    parser.add_argument("--eval-steps", type=int, default=0 if on_cpu else 10,
                        help="evaluation batches to time for the paper-trial estimate (0: skip)")
    # jemalloc comes with Ray's Linux wheel, which machines set up for accelerators may lack.
    parser.add_argument("--allocator", choices=host_allocator.CHOICES, default="jemalloc" if on_cpu else "system",
                        help="our host allocator (default on a CPU jemalloc, as `spinenet-nas` trains; else system)")
    parser.add_argument("--tf-allocator", choices=host_allocator.CHOICES, default="system",
                        help="TF's host allocator (default system: TF Model Garden as installed)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def tf_environment(choice: str) -> dict:
    """The TF worker's environment: ours minus our allocator, plus jemalloc if ``choice`` asks for it."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "MALLOC_CONF", host_allocator.REEXECUTED)}
    env[host_allocator.SWITCH] = choice
    return host_allocator.child_environment(env) if choice == "jemalloc" else env


def want_tf(mode: str) -> bool:
    """Whether to run TF; ``on`` fails fast when its environment is missing."""
    if mode == "off" or (mode == "auto" and jax.default_backend() != "cpu"):
        return False
    try:
        speed_tf.check_environment()
        return True
    except speed_tf.TfUnavailable as err:
        if mode == "on":
            raise SystemExit(f"--tf on: {err}")
        print(f"TF Model Garden comparison skipped: {err}", file=sys.stderr)
        return False


def measure_setting(setting: Setting, steps: int, args, use_tf: bool) -> list[dict]:
    """Times every dtype of ours and of TF at one setting, alternating; one row per dtype."""
    workers = {}  # one TF process per dtype: Keras's precision policy is global; they trace while we compile
    try:
        for dtype in args.dtypes if use_tf else ():
            workers[dtype] = speed_tf.TfWorker(setting, args.warmup, dtype, env=tf_environment(args.tf_allocator))
        ours = {dtype: speed_jax.JaxTrainer.build(setting, dtype, kernels=args.kernels) for dtype in args.dtypes}
        for trainer in ours.values():
            trainer.run(args.warmup)
        tf_info = {dtype: worker.wait_ready(SETUP_TIMEOUT_S) for dtype, worker in workers.items()}
        runs = {side: {dtype: [] for dtype in ours} for side in ("ours", "tf")}
        order = [(side, dtype) for dtype in ours for side in ("ours", "tf") if side == "ours" or dtype in workers]
        for round_index in range(args.rounds):
            for side, dtype in order if round_index % 2 == 0 else reversed(order):
                timed = workers[dtype].run(steps, ROUND_TIMEOUT_S) if side == "tf" else ours[dtype].run(steps)
                runs[side][dtype].append(timed)
            print(f"  {setting.name} round {round_index + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    except speed_tf.TfUnavailable as err:
        if args.tf == "on":
            raise
        print(f"TF Model Garden comparison failed, reporting ours only: {err}", file=sys.stderr)
        return measure_setting(setting, steps, args, use_tf=False)
    finally:
        for worker in workers.values():
            worker.close()
    rows = []
    for dtype, trainer in ours.items():
        tf = summarize(runs["tf"][dtype], setting, steps) if dtype in tf_info else None
        if tf:
            info = tf_info[dtype]
            tf.update(dtype=info["dtype"], params=info["params"], trace_seconds=info["trace_seconds"],
                      tf_version=info["tf_version"], models_version=info["models_version"])
        row = {"setting": setting.to_dict(), "dtype": dtype, "kernels": args.kernels, "kernels_on": kernels_on(args.kernels),
               "steps_per_round": steps, "rounds": args.rounds,
               "ours": dict(summarize(runs["ours"][dtype], setting, steps), compile_seconds=trainer.compile_seconds),
               "tf": tf}
        if args.eval_steps:
            row["eval_seconds_per_batch"] = trainer.eval_seconds_per_batch(args.warmup, args.eval_steps)
        rows.append(row)
    return rows


def summarize(runs: list[dict], setting: Setting, steps: int) -> dict:
    per_step = [r["seconds"] / steps for r in runs]
    cpu_per_step = [r["cpu_seconds"] / steps for r in runs]
    return {"seconds_per_step": per_step, "cpu_seconds_per_step": cpu_per_step,
            "images_per_second": setting.batch_size / statistics.median(per_step),
            "images_per_cpu_second": setting.batch_size / statistics.median(cpu_per_step)}


def add_derived(row: dict, matmul: dict) -> None:
    """Ratios, training FLOP/s and its fraction of the matmul peak, the paper-trial estimate."""
    setting = Setting(**row["setting"])
    madds = speed_jax.forward_madds(setting)
    row["forward_madds_per_image"] = madds
    row["train_flops_per_image"] = speed_jax.TRAIN_FLOPS_PER_MADD * madds
    peak = matmul[row["dtype"]]["flops_per_second"]
    for side in ("ours", "tf"):
        if row[side]:
            flops = row[side]["images_per_second"] * row["train_flops_per_image"]
            row[side].update(train_flops_per_second=flops, fraction_of_matmul=flops / peak)
    if row["tf"]:
        row["ratio"] = row["ours"]["images_per_second"] / row["tf"]["images_per_second"]
        row["ratio_cpu_time"] = row["ours"]["images_per_cpu_second"] / row["tf"]["images_per_cpu_second"]
    if setting.name == "paper":
        row["paper_trial_estimate"] = trial_estimate(row)


def trial_estimate(row: dict) -> dict:
    """Minutes of a full paper trial at batch 64, from the measured per-image rates."""
    batch = row["setting"]["batch_size"]
    train_s = PAPER_STEPS * 64 / row["ours"]["images_per_second"]
    eval_per_batch = row.get("eval_seconds_per_batch")
    eval_s = None if eval_per_batch is None else PAPER_EVAL_BATCHES * eval_per_batch * 64 / batch
    compile_s = row["ours"]["compile_seconds"]
    total = train_s + compile_s + (eval_s or 0.0)
    return {"train_steps": PAPER_STEPS, "eval_batches": PAPER_EVAL_BATCHES, "train_minutes": train_s / 60,
            "eval_minutes": None if eval_s is None else eval_s / 60, "compile_minutes": compile_s / 60,
            "total_minutes": total / 60, "measured_at_batch": batch, "extrapolated": batch != 64,
            "excludes": "input pipeline, COCO scoring of detections, eval-step compilation"
                        + ("" if eval_s is not None else ", evaluation (not timed: --eval-steps 0)")}


def print_table(rows: list[dict], matmul: dict) -> None:
    print(f"device: {speed_jax.device_description()}, {len(os.sched_getaffinity(0))} CPU cores allowed")
    for dtype, m in matmul.items():
        print(f"matmul {dtype} ({m['n']}x{m['n']}): {m['flops_per_second'] / 1e9:,.1f} GFLOP/s")
    print(f"{'setting':8} {'px':>4} {'batch':>5} {'dtype':9} {'ours img/s':>10} {'TF img/s':>9} {'ratio':>6} "
          f"{'ratio(cpu)':>10} {'ours GFLOP/s':>12} {'of matmul':>9} {'TF of matmul':>12}")
    for row in rows:
        s, ours, tf = row["setting"], row["ours"], row["tf"]
        tf_cells = (f"{tf['images_per_second']:9.2f} {row['ratio']:6.2f} {row['ratio_cpu_time']:10.2f}" if tf
                    else f"{'-':>9} {'-':>6} {'-':>10}")
        tf_frac = f"{tf['fraction_of_matmul']:12.1%}" if tf else f"{'-':>12}"
        print(f"{s['name']:8} {s['input_size']:4d} {s['batch_size']:5d} {row['dtype']:9} "
              f"{ours['images_per_second']:10.2f} {tf_cells} {ours['train_flops_per_second'] / 1e9:12.1f} "
              f"{ours['fraction_of_matmul']:9.1%} {tf_frac}")
    for row in rows:
        if "paper_trial_estimate" in row:
            e = row["paper_trial_estimate"]
            eval_text = "not timed" if e["eval_minutes"] is None else f"{e['eval_minutes']:.1f} min"
            print(f"paper trial ({row['dtype']}, from batch {e['measured_at_batch']}): {e['total_minutes']:,.1f} min "
                  f"= train {e['train_minutes']:,.1f} + eval {eval_text} + compile {e['compile_minutes']:.1f}")


def main(argv=None) -> None:
    args = parse_args(argv)
    if argv is None:
        host_allocator.require(args.allocator, [str(Path(__file__).resolve()), *sys.argv[1:]])
    use_tf = want_tf(args.tf)
    batches = {"paper": args.paper_batch, "cpu": args.cpu_batch, "smoke": None}
    steps = {"paper": args.paper_steps, "cpu": args.cpu_steps, "smoke": args.cpu_steps}
    first = {dtype: speed_jax.matmul_flops_per_second(dtype) for dtype in args.dtypes}
    rows = []
    for name in args.settings:
        setting = speed_jax.preset_setting(name, batches[name])
        print(f"timing {setting} ...", file=sys.stderr, flush=True)
        rows += measure_setting(setting, steps[name], args, use_tf)
    # The machine's peak: the better of a matmul before and after (it is shared).
    matmul = {dtype: max((first[dtype], speed_jax.matmul_flops_per_second(dtype)),
                         key=lambda m: m["flops_per_second"]) for dtype in args.dtypes}
    for row in rows:
        add_derived(row, matmul)
    print(f"kernels: {args.kernels} ({'on' if kernels_on(args.kernels) else 'off'})")
    print_table(rows, matmul)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "command": " ".join(["python benchmarks/speed.py", *(sys.argv[1:] if argv is None else argv)]),
        "device": speed_jax.device_description(), "cpus_allowed": len(os.sched_getaffinity(0)),
        "jax_version": jax.__version__, "matmul": matmul,
        "host_allocator": {"ours": host_allocator.active_allocator(), "tf": args.tf_allocator if use_tf else None},
        "tf_models_official": next((r["tf"]["models_version"] for r in rows if r["tf"]), None),
        "tensorflow": next((r["tf"]["tf_version"] for r in rows if r["tf"]), None),
        "conventions": {"train_flops_per_image": "6 x batch-1 forward conv multiply-adds (2 FLOPs per MAC, "
                        "backward = 2 x forward)", "images_per_second": "batch / median seconds per step",
                        "ratio": "ours / TF images per second (float32 rows)"},
        "rows": rows,
    }, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
