"""``train_and_evaluate``: one proxy trial, from a spec to held-out COCO AP.

Side effects are injected: progress goes to ``report_fn`` (a dict per log
interval), files only under ``workdir``. Data-parallel over all local devices
with ``jax.sharding``: the batch is split on its leading axis, the state is
replicated, and XLA inserts the gradient all-reduce.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Callable

import jax

from proxy_task.config import ProxyConfig
from proxy_task.checkpoint import CheckpointMismatchError, load_checkpoint, save_checkpoint
from proxy_task.data import dataset_info, ensure_prepared
from proxy_task.detection import AnchorConfig, generate_anchors
from proxy_task.runtime.data_parallel import data_parallel_shardings
from proxy_task.runtime.host_allocator import active_allocator
from proxy_task.runtime.phase_clock import PhaseClock
from proxy_task.optimizer import make_optimizer
from proxy_task.seed_average import average_metrics, with_seed_offset
from proxy_task.retinanet import RetinaNet
from proxy_task.train_loop import CompiledSteps, evaluate, train_steps
from proxy_task.train_step import StepContext, create_state
from search_space.cost import count_cost
from search_space.serialization import spec_to_dict
from search_space.spec import ArchitectureSpec
from search_space.validation import validate
from storage.atomic_file import write_atomic
from storage.trial_record import REWARD_METRIC

ReportFn = Callable[[dict], None]


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
    start_step: int = 0  # where this call began: a checkpoint's step, else 0 (``steps`` is where it stopped)

    @property
    def reward(self) -> float:
        return self.ap[REWARD_METRIC]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def prepare_trial(spec: ArchitectureSpec, config: ProxyConfig):
    """Validates, prepares the data and builds the step context of one trial.

    Returns ``(context, dataset_info, total_steps, (data_sharding, replicated))``.
    """
    validate(spec, config.scaling.input_size)
    ensure_prepared(config.data)
    info = dataset_info(config.data)
    shardings = data_parallel_shardings(config.data.batch_size)
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


def evaluate_untrained(spec: ArchitectureSpec, config: ProxyConfig) -> dict[str, float]:
    """Held-out AP of the freshly initialised model: the floor a trained reward must clear."""
    context, _, _, (data_sharding, replicated) = prepare_trial(spec, config)
    state = create_state(context, config, replicated)
    return evaluate(CompiledSteps.of(context), state, config, data_sharding, PhaseClock())[0]


def train_and_evaluate(
    spec: ArchitectureSpec, config: ProxyConfig, workdir: str | Path, report_fn: ReportFn | None = None, *,
    until: float = 1.0, keep_checkpoint: bool = False,
) -> ProxyResult:
    """Trains RetinaNet with ``spec``'s backbone, returns held-out AP and costs.

    With ``train.seeds`` = k > 1 it trains k times (seeds as ``seed_average.with_seed_offset``
    gives them) and returns their mean metrics (``seed_average.average_metrics``).

    Budgets: the training stops at ``until`` (a fraction) of the steps of
    ``train.epochs``, under the whole budget's learning-rate schedule. A
    training whose ``workdir/checkpoint-<k>.npz`` exists continues from it;
    ``keep_checkpoint`` saves one where it stops (``proxy_task.checkpoint``).

    Raises:
      SpecError: the spec is invalid at this input size.
      DatasetNotFoundError: the dataset is not prepared (the message says how).
      NonFiniteLossError: the loss became NaN or infinite.
      CheckpointMismatchError: a checkpoint of another architecture or config, or past ``until``.
    """
    if not 0 < until <= 1:
        raise ValueError(f"until={until}: a budget is a fraction of the steps in (0, 1]")
    report = report_fn or (lambda _: None)
    workdir = Path(workdir)
    clock = PhaseClock()
    with clock.phase("prepare"):
        context, info, total_steps, shardings = prepare_trial(spec, config)
    workdir.mkdir(parents=True, exist_ok=True)
    steps = CompiledSteps.of(context)
    stop_step = total_steps if until == 1 else min(total_steps, max(1, round(until * total_steps)))
    runs = [_train_once(steps, context, with_seed_offset(config, index), total_steps, shardings, clock,
                        lambda event, index=index: report({**event, "training": index}),
                        checkpoint=workdir / f"checkpoint-{index}.npz", stop_step=stop_step,
                        keep_checkpoint=keep_checkpoint)
            for index in range(config.train.seeds)]
    cost = count_cost(spec, config.scaling, info.num_classes)
    train_seconds = sum(run.train_seconds for run in runs)
    result = ProxyResult(
        ap=average_metrics([run.ap for run in runs]), params=cost.total_params, madds=cost.total_madds,
        train_seconds=train_seconds, eval_seconds=sum(run.eval_seconds for run in runs),
        images_per_second=sum(run.steps for run in runs) * config.data.batch_size / train_seconds if (
            train_seconds > 0) else 0.0,  # 0: nothing trained (a checkpoint already at this budget)
        steps=stop_step, start_step=runs[0].start_step, final_loss=runs[-1].final_loss,
        device=jax.devices()[0].device_kind,
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
    start_step: int
    steps: int  # trained in this call


def _train_once(steps, context, config, total_steps, shardings, clock, report, *, checkpoint: Path,
                stop_step: int, keep_checkpoint: bool) -> _Run:
    data_sharding, replicated = shardings
    with clock.phase("init"):
        state = jax.block_until_ready(create_state(context, config, replicated))
        if checkpoint.exists():
            state = load_checkpoint(checkpoint, state, replicated)
    start_step = int(state.step)
    if start_step > stop_step:
        raise CheckpointMismatchError(f"{checkpoint} is at step {start_step}, past this budget's {stop_step}: "
                                      f"a training cannot go back; delete it to train from the start")
    state, train_seconds, final_loss, reads = train_steps(
        steps, state, config, total_steps, data_sharding, clock, report, start_step=start_step, stop_step=stop_step)
    if keep_checkpoint:
        save_checkpoint(checkpoint, state)
    ap, eval_seconds = evaluate(steps, state, config, data_sharding, clock)
    return _Run({**ap, **reads}, train_seconds, eval_seconds, final_loss, start_step, stop_step - start_step)
