"""One measurement of ``gpu_check.py``, in a process of its own: prints ``RESULT {json}`` as its last line.

Builds ``speed_jax.JaxTrainer`` (the step ``proxy_task.train`` runs, on a
synthetic batch already on the device), warms it up, optionally waits at a
file barrier until ``--parties`` workers are ready (so sharing workers time
the same span), times ``--rounds`` rounds of ``--steps`` steps, then the
evaluation step and a ``jax.profiler`` trace if asked, and reads the device's
peak memory (None where the backend keeps no statistics, as on a CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import jax

import speed_jax
from proxy_task.kernels import kernels_on
from search_space import get_builtin

BARRIER_TIMEOUT_S = 900.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backbone", help="built-in spec: spinenet-49, r50-fpn, ...")
    parser.add_argument("dtype", choices=sorted(speed_jax.DTYPES))
    parser.add_argument("kernels", choices=["auto", "on", "off"])
    parser.add_argument("--setting", choices=["paper", "smoke"], default="paper")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--eval-steps", type=int, default=0)
    parser.add_argument("--barrier", type=Path, help="folder where sharing workers meet")
    parser.add_argument("--parties", type=int, default=1)
    parser.add_argument("--trace", type=Path, help="write a jax.profiler trace of 3 steps here")
    return parser.parse_args(argv)


def wait_at_barrier(folder: Path, parties: int) -> None:
    (folder / str(os.getpid())).touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT_S
    while len(list(folder.iterdir())) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(list(folder.iterdir()))} of {parties} workers reached the barrier")
        time.sleep(0.01)


def peak_memory_bytes() -> int | None:
    stats = jax.devices()[0].memory_stats()
    return None if not stats else int(stats.get("peak_bytes_in_use", 0)) or None


def measure(args) -> dict:
    setting = speed_jax.preset_setting(args.setting, 64 if args.setting == "paper" else None)
    spec = get_builtin(args.backbone)
    trainer = speed_jax.JaxTrainer.build(setting, args.dtype, kernels=args.kernels, spec=spec)
    trainer.run(args.warmup)
    if args.barrier is not None:
        wait_at_barrier(args.barrier, args.parties)
    start = time.time()
    per_step = [trainer.run(args.steps)["seconds"] / args.steps for _ in range(args.rounds)]
    span = (start, time.time())
    result = {
        "device": speed_jax.device_description(), "jax_version": jax.__version__, "setting": setting.to_dict(),
        "kernels_on": kernels_on(args.kernels), "compile_seconds": trainer.compile_seconds,
        "seconds_per_step": per_step, "images_per_second": setting.batch_size / statistics.median(per_step),
        "timed_span": span, "timed_images": setting.batch_size * args.steps * args.rounds,
        "forward_madds_per_image": speed_jax.forward_madds(setting, spec),
    }
    if args.eval_steps:
        seconds = trainer.eval_seconds_per_batch(args.warmup, args.eval_steps)
        result.update(eval_seconds_per_batch=seconds, eval_images_per_second=setting.batch_size / seconds)
    if args.trace is not None:
        with jax.profiler.trace(str(args.trace)):
            trainer.run(3)
    result["peak_memory_bytes"] = peak_memory_bytes()
    return result


if __name__ == "__main__":
    print("RESULT " + json.dumps(measure(parse_args())), flush=True)
