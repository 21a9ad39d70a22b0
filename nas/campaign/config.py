"""A search campaign's configuration: one frozen config nested by concern.

``CampaignConfig`` nests ``search`` (space, searcher and its settings, budget,
concurrency, controller updates, repeats, failure policy), ``resources`` (what
one trial holds), ``trial`` (what a trial runs and its time limit), ``output``
(progress, TensorBoard, checkpoints, export) and ``proxy`` (the proxy task's
``ProxyConfig``, from the preset named by ``preset``). Keys are set as
``--set key=value`` or in a JSON/TOML file, all through ``nas.overrides``
(``config_loading`` reads them), and every key and value is checked before
anything starts: each class checks its own values when it is built, with the
fix in the message.

The default is the README's main job: a small real campaign on the embedded
dataset with the ``cpu`` preset, 4 trials of a few minutes each on 2 cores::

    spinenet-nas search

and a paper-sized one (``spinenet.md`` §5.1: ~14k trials of the SpineNet-49
space; needs COCO and accelerators)::

    spinenet-nas search --address auto --set preset=paper --set search.num_trials=14000 \\
        --set search.concurrency=64 --set resources.gpus=0.5 --set search.mode=async
"""

from __future__ import annotations

import dataclasses

from nas.overrides import ConfigError
from proxy_task.config import ProxyConfig, get_preset
from storage.trial_record import Cause

MODES = ("sync", "async")
TRIAL_KINDS = ("proxy", "surrogate")
DISPATCHERS = ("tune", "tasks")
# A fault fails a trial with a cause, or 'crash' kills its Ray worker (an infrastructure failure).
FAULTS = (*(cause.value for cause in Cause), "crash")
CAMPAIGN_LEVEL_SETTINGS = ("seed", "on_failure", "failure_reward")


@dataclasses.dataclass(frozen=True)
class SearchConfig:
    """What is searched, by whom, how much and how.

    Attributes:
      space: a search space of ``search_space.spaces`` (``spinenet-49``, ``r0-sp53``...).
      searcher: ``reinforce``, ``evolution`` or ``random``.
      settings: the searcher's own settings (``controller.make_config``), e.g.
        ``search.settings.learning_rate=0.03``. In sync mode REINFORCE's
        ``batch_size`` defaults to ``concurrency`` (one update per batch).
      seed: the searcher's seed.
      num_trials: proposals in the campaign, repeats served from known rewards included.
      concurrency: trials running at once; in sync mode also the batch size.
      mode: ``sync`` (propose a batch, wait for all of it, feed it back in
        proposal order) or ``async`` (feed each trial back when it finishes and
        propose the next at once).
      reuse_known_rewards: a repeated architecture reuses the outcome of the
        first trial of it (a timeout is never reused) instead of retraining.
      max_failures: the campaign stops after this many genuine trial failures
        (error, NaN, out of memory, timeout; not repeats, not infrastructure);
        ``None``: never.
      on_failure: what the searcher learns from a failed trial: ``skip``
        (nothing) or ``reward`` (``failure_reward``).
      failure_reward: the reward of a failed trial under ``reward``.
      fidelity: multi-fidelity rungs (``nas.campaign.rungs``): the fractions of
        the full training at which a sample is judged, ending with 1, e.g.
        ``[0.25, 1]``. Every sample trains to the first; the best 1/``eta`` of
        a rung continue from their checkpoint to the next (asynchronous
        successive halving). Empty (the default, as measured in
        ``docs/multi-fidelity.md``): every sample trains the full budget.
      eta: of each rung, the best 1/eta are promoted to the next.
      device_hours: a budget of device-hours (the recorded ``device_seconds``
        of every trial and rung): once the finished trials have spent it,
        nothing new starts (no proposal, no promotion) and the campaign ends
        when the running trials do. ``None``: ``num_trials`` alone bounds it.
        Searchers compared at equal cost get the same budget and a
        ``num_trials`` they cannot reach first.
    """

    space: str = "spinenet-49"
    searcher: str = "reinforce"
    settings: dict = dataclasses.field(default_factory=dict)
    seed: int = 0
    num_trials: int = 4
    concurrency: int = 2
    mode: str = "sync"
    reuse_known_rewards: bool = True
    max_failures: int | None = 3
    on_failure: str = "skip"
    failure_reward: float = 0.0
    fidelity: tuple = ()
    eta: int = 3
    device_hours: float | None = None

    def __post_init__(self):
        from controller import make_config
        from controller.settings_checks import SettingError
        from search_space.errors import SpecError
        from search_space.spaces import get_space

        try:
            get_space(self.space)
        except SpecError as err:
            raise ConfigError(f"search.space: {err}") from None
        shadowed = sorted(set(self.settings) & set(CAMPAIGN_LEVEL_SETTINGS))
        if shadowed:
            raise ConfigError(f"search.settings: set {', '.join('search.' + k for k in shadowed)} instead")
        try:
            make_config(self.searcher, seed=self.seed, on_failure=self.on_failure,
                        failure_reward=self.failure_reward, **self.settings)
        except SettingError as err:
            key = f"search.{err.name}" if err.name in CAMPAIGN_LEVEL_SETTINGS else f"search.settings.{err.name}"
            raise ConfigError(f"{key}: {err.detail}") from None
        except (TypeError, ValueError) as err:
            raise ConfigError(f"search.searcher / search.settings: {err}") from None
        if self.num_trials < 1 or self.concurrency < 1:
            raise ConfigError(f"search.num_trials ({self.num_trials}) and search.concurrency "
                              f"({self.concurrency}) must be >= 1")
        if self.mode not in MODES:
            raise ConfigError(f"search.mode={self.mode!r}; use one of {list(MODES)}")
        if self.max_failures is not None and self.max_failures < 1:
            raise ConfigError(f"search.max_failures={self.max_failures}; use a count >= 1, or null for no limit")
        if self.device_hours is not None and (isinstance(self.device_hours, bool) or not isinstance(
                self.device_hours, (int, float)) or not self.device_hours > 0):
            raise ConfigError(f"search.device_hours={self.device_hours!r}: give a number of hours > 0, "
                              f"or null for no budget")
        self._check_fidelity()

    def _check_fidelity(self) -> None:
        budgets = list(self.fidelity)
        if not budgets:
            return
        numbers = all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in budgets)
        if not numbers or len(budgets) < 2 or budgets[-1] != 1 or budgets[0] <= 0 or any(
                a >= b for a, b in zip(budgets, budgets[1:])):
            raise ConfigError(f"search.fidelity={budgets}: give two or more increasing fractions of the full "
                              f"training ending with 1, e.g. [0.25, 1] (or [] for full-budget trials only)")
        if isinstance(self.eta, bool) or not isinstance(self.eta, int) or self.eta < 2:
            raise ConfigError(f"search.eta={self.eta!r}: use a whole number >= 2 (the best 1/eta of a rung "
                              f"are promoted)")
        if self.mode != "async":
            raise ConfigError(f"search.fidelity={budgets} needs search.mode=async: promotions run as soon as "
                              f"a rung has results, not in batches; add --set search.mode=async")


@dataclasses.dataclass(frozen=True)
class ResourcesConfig:
    """The machines: what one trial holds on a Ray node, and how long to wait for the cluster.

    Attributes:
      cpus: CPU cores.
      gpus: GPUs, whole or fractional (0.25: four trials share a GPU).
      custom: other Ray resources, e.g. ``{"TPU": 4}`` or a node label
        resource ``{"accelerator_type:A100": 0.01}``.
      gpu_memory_fraction: ``XLA_PYTHON_CLIENT_MEM_FRACTION`` of each trial;
        ``None``: ``0.9 * gpus`` for a fractional GPU (so trials sharing a GPU
        fit), JAX's default otherwise. Preallocation is always off on shared GPUs.
      connect_timeout_s: how long the driver waits for the Ray cluster at
        ``--address`` to answer before it gives up with a message.
    """

    cpus: float = 1.0
    gpus: float = 0.0
    custom: dict = dataclasses.field(default_factory=dict)
    gpu_memory_fraction: float | None = None
    connect_timeout_s: float = 60.0

    def __post_init__(self):
        if self.cpus < 0 or self.gpus < 0:
            raise ConfigError(f"resources.cpus ({self.cpus}) and resources.gpus ({self.gpus}) must be >= 0")
        if self.gpus > 1 and self.gpus != int(self.gpus):
            raise ConfigError(f"resources.gpus={self.gpus}: a fraction must be below 1 (e.g. 0.5), else whole GPUs")
        for name, amount in self.custom.items():
            if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount < 0:
                raise ConfigError(f"resources.custom.{name}={amount!r}: an amount must be a number >= 0")
        fraction = self.gpu_memory_fraction
        if fraction is not None and not 0 < fraction <= 1:
            raise ConfigError(f"resources.gpu_memory_fraction={fraction}: use a fraction in (0, 1]")
        if not self.connect_timeout_s > 0:
            raise ConfigError(f"resources.connect_timeout_s={self.connect_timeout_s}: use a number of seconds > 0")


@dataclasses.dataclass(frozen=True)
class TrialConfig:
    """What a trial runs.

    Attributes:
      dispatch: ``tune`` (each trial is a Ray Tune trial) or ``tasks`` (each
        trial is a plain Ray task: a fraction of Tune's cost per trial, for
        campaigns of thousands of instant trials; same records and resume).
      kind: ``proxy`` (``proxy_task.train_and_evaluate``, in a child process
        of the Ray worker) or ``surrogate`` (the instant surrogate reward of
        ``proxy_task/surrogate_reward.py``, for benchmarks and tests).
      time_limit_s: a trial still running after this is killed and fails
        with cause ``timeout``; ``None``: no limit.
      infra_retries: Ray Tune re-runs a trial whose worker or node was lost
        this many times (not charged to ``search.max_failures``).
      surrogate_seconds: how long a surrogate trial takes.
      inject_faults: fault injection to exercise the failure handling:
        ``{"3": "nan"}`` makes trial 3 fail with that cause (``error``,
        ``nan``, ``oom``, ``timeout``) or ``crash`` its Ray worker once.
      compilation_cache: proxy trials share a persistent XLA compilation
        cache in ``DIR/xla-cache`` (at most ``compilation_cache_gb``, least
        recently used evicted), so a trial that compiles what an earlier one
        did (a rerun under another seed, a continued rung) loads it instead;
        a ``JAX_COMPILATION_CACHE_DIR`` in the environment wins.
      nice: the scheduling priority of a proxy trial's training process, 0 (as other programs) to 19
        (only idle time). 15, Ray's own for its workers: on a shared machine a campaign yields to
        interactive work and to its own driver and Ray's services (nice 0), which must stay
        responsive; on a machine of its own it costs nothing. Going below the Ray worker's 15 needs
        the privilege to raise priority (root, or CAP_SYS_NICE); without it the trial stays at 15
        and its trial.log says so.
    """

    dispatch: str = "tune"
    kind: str = "proxy"
    time_limit_s: float | None = 3600.0
    infra_retries: int = 2
    surrogate_seconds: float = 0.0
    inject_faults: dict = dataclasses.field(default_factory=dict)
    compilation_cache: bool = True
    compilation_cache_gb: float = 4.0
    nice: int = 15

    def __post_init__(self):
        if not 0 <= self.nice <= 19:
            raise ConfigError(f"trial.nice={self.nice}: use 0 (as other programs) to 19 (idle time only); "
                              "Ray's workers use 15")
        if self.compilation_cache_gb <= 0:
            raise ConfigError(f"trial.compilation_cache_gb={self.compilation_cache_gb}: use a size > 0 "
                              f"(or trial.compilation_cache=false)")
        if self.dispatch not in DISPATCHERS:
            raise ConfigError(f"trial.dispatch={self.dispatch!r}; use one of {list(DISPATCHERS)}")
        if self.kind not in TRIAL_KINDS:
            raise ConfigError(f"trial.kind={self.kind!r}; use one of {list(TRIAL_KINDS)}")
        if self.time_limit_s is not None and self.time_limit_s <= 0:
            raise ConfigError(f"trial.time_limit_s={self.time_limit_s}: use seconds > 0, or null for no limit")
        if self.infra_retries < 0 or self.surrogate_seconds < 0:
            raise ConfigError("trial.infra_retries and trial.surrogate_seconds must be >= 0")
        for trial_id, fault in self.inject_faults.items():
            if not str(trial_id).isdigit() or fault not in FAULTS:
                raise ConfigError(f"trial.inject_faults: {trial_id!r}: {fault!r}; "
                                  f"use a trial id and one of {list(FAULTS)}")


@dataclasses.dataclass(frozen=True)
class OutputConfig:
    """What the driver writes besides the trial records.

    Attributes:
      progress_every_s: seconds between progress lines (one also follows
        every finished trial when trials are slower than this).
      tensorboard: write reward, baseline, entropy and best-so-far scalars.
      checkpoint_every_s: seconds between searcher checkpoints, written after
        a feedback (0: after every one), and at the end; the records, not
        this checkpoint, are what ``resume`` rebuilds the searcher from.
      export_top_k: architectures exported when the campaign ends.
    """

    progress_every_s: float = 10.0
    tensorboard: bool = True
    checkpoint_every_s: float = 10.0
    export_top_k: int = 3

    def __post_init__(self):
        if self.progress_every_s <= 0 or self.checkpoint_every_s < 0 or self.export_top_k < 1:
            raise ConfigError("output: progress_every_s must be > 0, checkpoint_every_s >= 0 and export_top_k >= 1")


@dataclasses.dataclass(frozen=True)
class CampaignConfig:
    preset: str = "cpu"
    # Factories: a default is built (and checked) with its config, not when this module is imported.
    search: SearchConfig = dataclasses.field(default_factory=SearchConfig)
    resources: ResourcesConfig = dataclasses.field(default_factory=ResourcesConfig)
    trial: TrialConfig = dataclasses.field(default_factory=TrialConfig)
    output: OutputConfig = dataclasses.field(default_factory=OutputConfig)
    proxy: ProxyConfig = dataclasses.field(default_factory=lambda: get_preset("cpu"))

    def trial_resources(self) -> dict[str, float]:
        """The Ray resource bundle of one trial."""
        bundle = {"CPU": float(self.resources.cpus)}
        if self.resources.gpus:
            bundle["GPU"] = float(self.resources.gpus)
        return {**bundle, **{k: float(v) for k, v in self.resources.custom.items()}}
