"""The inner loops of a proxy trial: training steps (with part-way reads) and the held-out evaluation.

``train_and_evaluate`` (``proxy_task.train``) builds the state and calls these.
A training runs from ``start_step`` (0, or a checkpoint's step) to
``stop_step``; the learning-rate schedule is that of the whole budget, so a
run stopped and continued equals the run that never stopped.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable

import jax

from proxy_task.data import build_dataset
from proxy_task.evaluation import CocoEvaluator
from proxy_task.runtime.phase_clock import PhaseClock
from proxy_task.runtime.xla_cpu_options import jit_options
from proxy_task.train_step import NonFiniteLossError, StepContext, eval_step, train_step
from storage.trial_record import REWARD_METRIC, read_name

TRAIN_KEYS = ("image", "boxes", "classes", "is_crowd")
SAMPLING_FOLDS = 4  # folds of the held-out images for AP's sampling sd (CocoEvaluator.sampling_sd)


@dataclasses.dataclass(frozen=True)
class CompiledSteps:
    """The trial's jitted steps, made once so that every training and read of a trial reuses their compilation."""

    train: Callable
    detect: Callable  # by the final weights
    detect_averaged: Callable  # by their moving average

    @classmethod
    def of(cls, context: StepContext) -> "CompiledSteps":
        return cls(
            train=jax.jit(functools.partial(train_step, context), donate_argnums=(0,), **jit_options()),
            detect=jax.jit(functools.partial(eval_step, context, averaged=False), **jit_options()),
            detect_averaged=jax.jit(functools.partial(eval_step, context, averaged=True), **jit_options()),
        )


def read_steps(config, total_steps) -> dict[int, str]:
    """Step -> reading name of each ``train.read_at`` fraction (a step before the last, at least 1)."""
    steps = {}
    for fraction in config.train.read_at:
        step = min(total_steps - 1, max(1, round(fraction * total_steps)))
        if step >= 1:
            steps.setdefault(step, read_name(fraction))
    return steps


def train_steps(steps, state, config, total_steps, data_sharding, clock, report, start_step=0, stop_step=None):
    """Trains from ``start_step`` to ``stop_step`` (default ``total_steps``) of a ``total_steps`` schedule.

    Returns the state, the train seconds (reads excluded, extrapolated over the
    first step's compilation), the last loss and the part-way reads in range.
    """
    stop_step = total_steps if stop_step is None else stop_step
    if stop_step == start_step:  # a checkpoint already at this budget (saved before a crash): nothing to train
        return state, 0.0, float("nan"), {}
    step_fn = steps.train
    batches = build_dataset(config.data, "train", skip_batches=start_step)
    pending, start, first_step_time = [], time.perf_counter(), None
    final_loss = float("nan")
    reads_at, reads, read_seconds = read_steps(config, total_steps), {}, 0.0
    for step in range(start_step + 1, stop_step + 1):
        raw = next(batches)
        batch = jax.device_put({k: raw[k] for k in TRAIN_KEYS}, data_sharding)
        state, metrics = step_fn(state, batch)
        pending.append(metrics)
        if step == start_step + 1:
            jax.block_until_ready(metrics)
            first_step_time = time.perf_counter()  # excludes compilation from images/s
        if step % config.train.log_every == 0 or step == stop_step:
            fetched = jax.device_get(pending)
            pending = []
            if not all(bool(m["finite"]) for m in fetched):
                raise NonFiniteLossError(
                    f"training loss became NaN/inf by step {step}; lower train.base_learning_rate "
                    f"(now {config.train.base_learning_rate}) or check the data"
                )
            final_loss = float(fetched[-1]["total_loss"])
            report({
                "event": "train", "step": step, "total_steps": total_steps, "loss": final_loss,
                "cls_loss": float(fetched[-1]["cls_loss"]), "box_loss": float(fetched[-1]["box_loss"]),
                "elapsed": time.perf_counter() - start,
            })
        if step in reads_at:
            metrics_now, seconds_now = evaluate(steps, state, config, data_sharding, PhaseClock(), readings=False)
            reads[reads_at[step]], read_seconds = metrics_now[REWARD_METRIC], read_seconds + seconds_now
            report({"event": "read", "step": step, "name": reads_at[step], "value": reads[reads_at[step]]})
    jax.block_until_ready(state)
    end = time.perf_counter()
    clock.add("first_step", first_step_time - start)
    clock.add("train", end - first_step_time - read_seconds)
    clock.add("reads", read_seconds)
    trained = stop_step - start_step
    seconds = (end - first_step_time - read_seconds) * trained / (trained - 1) if trained > 1 else end - start
    return state, seconds, final_loss, reads


def evaluate(steps, state, config, data_sharding, clock, readings: bool = True):
    """Held-out metrics of the rewarded weights (with the readings, if ``readings``), and the seconds it took."""
    start = time.perf_counter()
    averaged = config.train.ema_decay is not None
    with clock.phase("score"):
        evaluator = CocoEvaluator.from_dataset(config.data, "heldout")
    metrics = _detect_and_score(evaluator, steps.detect_averaged if averaged else steps.detect, state, config,
                                data_sharding, clock)
    with clock.phase("score"):
        if readings and evaluator.image_count >= 2 * SAMPLING_FOLDS:
            metrics["AP_sampling_sd"] = evaluator.sampling_sd(SAMPLING_FOLDS)
    if readings and averaged:
        evaluator.reset()
        metrics["AP_final"] = _detect_and_score(evaluator, steps.detect, state, config, data_sharding, clock)["AP"]
    return metrics, time.perf_counter() - start


def _detect_and_score(evaluator, step_fn, state, config, data_sharding, clock) -> dict[str, float]:
    for index, batch in enumerate(build_dataset(config.data, "heldout")):
        if config.train.eval_batches is not None and index >= config.train.eval_batches:
            break
        with clock.phase("detect"):
            detections = jax.device_get(step_fn(state, jax.device_put(batch["image"], data_sharding)))
        with clock.phase("score"):
            evaluator.add(
                detections.boxes, detections.scores, detections.classes, batch,
                num_detections=detections.num_detections,
            )
    with clock.phase("score"):
        return evaluator.evaluate()
