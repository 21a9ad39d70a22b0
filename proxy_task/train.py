"""``train_and_evaluate``: one proxy trial, from a spec to held-out COCO AP.

Side effects are injected: progress goes to ``report_fn`` (a dict per log
interval), files only under ``workdir``. Data-parallel over all local devices
with ``jax.sharding``: the batch is split on its leading axis, the state is
replicated, and XLA inserts the gradient all-reduce.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import time
from pathlib import Path
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from proxy_task.config import ProxyConfig
from proxy_task.data import build_dataset, dataset_info, ensure_prepared
from proxy_task.detection import AnchorConfig, generate_anchors
from proxy_task.evaluation import CocoEvaluator
from proxy_task.runtime.host_allocator import active_allocator
from proxy_task.runtime.phase_clock import PhaseClock
from proxy_task.optimizer import make_optimizer
from proxy_task.seed_average import average_metrics, with_seed_offset
from proxy_task.retinanet import RetinaNet
from proxy_task.train_step import NonFiniteLossError, StepContext, TrainState, eval_step, train_step
from proxy_task.runtime.xla_cpu_options import jit_options
from search_space.cost import count_cost
from search_space.serialization import spec_to_dict
from search_space.spec import ArchitectureSpec
from search_space.validation import validate
from storage.atomic_file import write_atomic
from storage.trial_record import REWARD_METRIC, read_name

ReportFn = Callable[[dict], None]
TRAIN_KEYS = ("image", "boxes", "classes", "is_crowd")
SAMPLING_FOLDS = 4  # folds of the held-out images for AP's sampling sd (CocoEvaluator.sampling_sd)


@dataclasses.dataclass(frozen=True)
class ProxyResult:
    """What one trial measured.

    ``ap`` holds every held-out COCO metric (the evaluator's ``METRIC_NAMES``)
    of the rewarded weights (their moving average if ``train.ema_decay`` is set,
    else the final ones) and the ``storage.trial_record.READINGS`` measured.
    """

    ap: dict[str, float]
    params: int
    madds: int
    train_seconds: float
    eval_seconds: float
    images_per_second: float
    steps: int
    final_loss: float
    device: str
    host_allocator: str  # 'jemalloc' or 'system' (see proxy_task.runtime.host_allocator)
    phases: dict[str, float] = dataclasses.field(default_factory=dict)  # runtime.phase_clock.PHASES -> s

    @property
    def reward(self) -> float:
        return self.ap[REWARD_METRIC]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _mesh_shardings(batch_size: int):
    devices = jax.devices()
    if batch_size % len(devices):
        raise ValueError(
            f"batch size {batch_size} is not divisible by the {len(devices)} local devices; "
            f"use a multiple of {len(devices)}"
        )
    mesh = Mesh(np.array(devices), ("data",))
    return NamedSharding(mesh, PartitionSpec("data")), NamedSharding(mesh, PartitionSpec())


def create_state(context: StepContext, config: ProxyConfig, replicated) -> TrainState:
    size = config.scaling.input_size
    images = jnp.zeros((1, size, size, 3), jnp.float32)

    # The key is an argument, not a constant: every seed shares one compiled init (and its cache entry).
    @functools.partial(jax.jit, out_shardings=replicated)
    def init(rng):
        init_rng, dropout_rng = jax.random.split(rng)
        variables = context.model.init(init_rng, images, train=False)
        params = variables["params"]
        return TrainState(
            step=jnp.zeros((), jnp.int32), params=params, batch_stats=variables["batch_stats"],
            opt_state=context.optimizer.init(params), rng=dropout_rng,
            average=None if context.ema_decay is None else params,
        )

    return init(jax.random.key(config.train.seed))


def prepare_trial(spec: ArchitectureSpec, config: ProxyConfig):
    """Validates, prepares the data and builds the step context of one trial.

    Returns ``(context, dataset_info, total_steps, (data_sharding, replicated))``.
    """
    validate(spec, config.scaling.input_size)
    ensure_prepared(config.data)
    info = dataset_info(config.data)
    shardings = _mesh_shardings(config.data.batch_size)
    steps_per_epoch = max(1, info.num_examples["train"] // config.data.batch_size)
    total_steps = max(1, math.ceil(config.train.epochs * steps_per_epoch))
    anchor_config = AnchorConfig(spec.min_level, spec.max_level, anchor_size=config.scaling.anchor_size)
    context = StepContext(
        model=RetinaNet(
            spec, config.scaling, info.num_classes, config.model, num_anchors=anchor_config.anchors_per_location
        ),
        optimizer=make_optimizer(config.train, config.data.batch_size, total_steps),
        anchors=generate_anchors(anchor_config, config.scaling.input_size),
        num_classes=info.num_classes,
        match=config.match, loss=config.loss, postprocess=config.postprocess, ema_decay=config.train.ema_decay,
    )
    return context, info, total_steps, shardings


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


def evaluate_untrained(spec: ArchitectureSpec, config: ProxyConfig) -> dict[str, float]:
    """Held-out AP of the freshly initialised model: the floor a trained reward must clear."""
    context, _, _, (data_sharding, replicated) = prepare_trial(spec, config)
    state = create_state(context, config, replicated)
    return _evaluate(CompiledSteps.of(context), state, config, data_sharding, PhaseClock())[0]


def train_and_evaluate(
    spec: ArchitectureSpec, config: ProxyConfig, workdir: str | Path, report_fn: ReportFn | None = None
) -> ProxyResult:
    """Trains RetinaNet with ``spec``'s backbone, returns held-out AP and costs.

    With ``train.seeds`` = k > 1 it trains k times (seeds as ``seed_average.with_seed_offset``
    gives them) and returns their mean metrics (``seed_average.average_metrics``).

    Raises:
      SpecError: the spec is invalid at this input size.
      DatasetNotFoundError: the dataset is not prepared (the message says how).
      NonFiniteLossError: the loss became NaN or infinite.
    """
    report = report_fn or (lambda _: None)
    workdir = Path(workdir)
    clock = PhaseClock()
    with clock.phase("prepare"):
        context, info, total_steps, shardings = prepare_trial(spec, config)
    workdir.mkdir(parents=True, exist_ok=True)
    steps = CompiledSteps.of(context)
    runs = [_train_once(steps, context, with_seed_offset(config, index), total_steps, shardings, clock,
                        lambda event, index=index: report({**event, "training": index}))
            for index in range(config.train.seeds)]
    cost = count_cost(spec, config.scaling, info.num_classes)
    train_seconds = sum(run.train_seconds for run in runs)
    result = ProxyResult(
        ap=average_metrics([run.ap for run in runs]), params=cost.total_params, madds=cost.total_madds,
        train_seconds=train_seconds, eval_seconds=sum(run.eval_seconds for run in runs),
        images_per_second=len(runs) * total_steps * config.data.batch_size / train_seconds,
        steps=total_steps, final_loss=runs[-1].final_loss, device=jax.devices()[0].device_kind,
        host_allocator=active_allocator(), phases=dict(clock.seconds),
    )
    write_atomic(workdir / "result.json", json.dumps({"spec": spec_to_dict(spec), **result.to_dict()}, indent=2))
    report({"event": "done", **result.to_dict()})
    return result


@dataclasses.dataclass(frozen=True)
class _Run:
    ap: dict[str, float]
    train_seconds: float
    eval_seconds: float
    final_loss: float


def _train_once(steps, context, config, total_steps, shardings, clock, report) -> _Run:
    data_sharding, replicated = shardings
    with clock.phase("init"):
        state = jax.block_until_ready(create_state(context, config, replicated))
    state, train_seconds, final_loss, reads = _train(steps, state, config, total_steps, data_sharding, clock,
                                                     report)
    ap, eval_seconds = _evaluate(steps, state, config, data_sharding, clock)
    return _Run({**ap, **reads}, train_seconds, eval_seconds, final_loss)


def _read_steps(config, total_steps) -> dict[int, str]:
    """Step -> reading name of each ``train.read_at`` fraction (a step before the last, at least 1)."""
    steps = {}
    for fraction in config.train.read_at:
        step = min(total_steps - 1, max(1, round(fraction * total_steps)))
        if step >= 1:
            steps.setdefault(step, read_name(fraction))
    return steps


def _train(steps, state, config, total_steps, data_sharding, clock, report):
    """Trains ``total_steps``; returns the state, train seconds (reads excluded), the last loss and the reads."""
    step_fn = steps.train
    batches = build_dataset(config.data, "train")
    pending, start, first_step_time = [], time.perf_counter(), None
    final_loss = float("nan")
    read_steps, reads, read_seconds = _read_steps(config, total_steps), {}, 0.0
    for step in range(1, total_steps + 1):
        raw = next(batches)
        batch = jax.device_put({k: raw[k] for k in TRAIN_KEYS}, data_sharding)
        state, metrics = step_fn(state, batch)
        pending.append(metrics)
        if step == 1:
            jax.block_until_ready(metrics)
            first_step_time = time.perf_counter()  # excludes compilation from images/s
        if step % config.train.log_every == 0 or step == total_steps:
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
        if step in read_steps:
            metrics_now, seconds_now = _evaluate(steps, state, config, data_sharding, PhaseClock(), readings=False)
            reads[read_steps[step]], read_seconds = metrics_now[REWARD_METRIC], read_seconds + seconds_now
            report({"event": "read", "step": step, "name": read_steps[step], "value": reads[read_steps[step]]})
    jax.block_until_ready(state)
    end = time.perf_counter()
    clock.add("first_step", first_step_time - start)
    clock.add("train", end - first_step_time - read_seconds)
    clock.add("reads", read_seconds)
    measured_steps = max(1, total_steps - 1)
    seconds = (end - first_step_time - read_seconds) * total_steps / measured_steps if (
        total_steps > 1) else (end - start)
    return state, seconds, final_loss, reads


def _evaluate(steps, state, config, data_sharding, clock, readings: bool = True):
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
