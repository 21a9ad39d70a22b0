"""A search campaign's configuration: one frozen config nested by concern.

``CampaignConfig`` nests ``search`` (space, searcher and its settings, budget,
concurrency, controller updates, repeats, failure policy), ``resources`` (what
one trial holds), ``trial`` (what a trial runs and its time limit), ``output``
(progress, TensorBoard, checkpoints, export) and ``proxy`` (the proxy task's
``ProxyConfig``, from the preset named by ``preset``). Keys are set as
``--set key=value`` or in a JSON/TOML file, all through ``nas.overrides``, and
every key and value is checked before anything starts.

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
import json
import tomllib
from pathlib import Path
from typing import Any, Sequence

from nas.campaign.config_checks import check
from nas.overrides import ConfigError, apply_values, check_key, get_value, parse_assignment, valid_keys
from proxy_task.config import PRESETS, ProxyConfig, get_preset


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
    """

    dispatch: str = "tune"
    kind: str = "proxy"
    time_limit_s: float | None = 3600.0
    infra_retries: int = 2
    surrogate_seconds: float = 0.0
    inject_faults: dict = dataclasses.field(default_factory=dict)


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


@dataclasses.dataclass(frozen=True)
class CampaignConfig:
    preset: str = "cpu"
    search: SearchConfig = SearchConfig()
    resources: ResourcesConfig = ResourcesConfig()
    trial: TrialConfig = TrialConfig()
    output: OutputConfig = OutputConfig()
    proxy: ProxyConfig = dataclasses.field(default_factory=lambda: get_preset("cpu"))

    def trial_resources(self) -> dict[str, float]:
        """The Ray resource bundle of one trial."""
        bundle = {"CPU": float(self.resources.cpus)}
        if self.resources.gpus:
            bundle["GPU"] = float(self.resources.gpus)
        return {**bundle, **{k: float(v) for k, v in self.resources.custom.items()}}


# Keys ``resume`` accepts: they change the budget or the machines, not what
# the searcher has learned or how trials are scored.
RESUMABLE_KEYS = (
    "search.num_trials", "search.max_failures", "search.concurrency",
    "resources.", "trial.time_limit_s", "trial.infra_retries", "output.",
)


def resolve(assignments: Sequence[str] = (), file: str | Path | None = None) -> CampaignConfig:
    """The config from a file and ``key=value`` assignments (a later one wins), checked.

    Raises:
      ConfigError: an unknown key or a bad value, with the fix.
    """
    values = dict(read_file(file)) if file else {}
    values.update(parse_assignment(assignment, example="search.num_trials=8") for assignment in assignments)
    config = from_values(values)
    return with_derived_defaults(config)


def from_values(values: dict[str, Any]) -> CampaignConfig:
    """Applies ``{dotted key: value}`` to the defaults of the preset named by ``preset``."""
    preset = values.get("preset", CampaignConfig.preset)
    if preset not in PRESETS:
        raise ConfigError(f"preset={preset!r}: unknown preset; choose one of {sorted(PRESETS)}")
    base = CampaignConfig(preset=preset, proxy=get_preset(preset))
    config = apply_values(base, _merge_dict_items(base, values))
    check(config)
    return config


def with_derived_defaults(config: CampaignConfig) -> CampaignConfig:
    """Fixes defaults that depend on other keys, so that campaign.json states them."""
    search = config.search
    if search.searcher == "reinforce" and search.mode == "sync" and "batch_size" not in search.settings:
        search = dataclasses.replace(search, settings={**search.settings, "batch_size": search.concurrency})
    return dataclasses.replace(config, search=search)


def _is_dict_item(base: CampaignConfig, key: str, keys: list[str]) -> bool:
    """Whether ``key`` names an entry of a dict-valued key (``search.settings.lr``)."""
    parent = key.rpartition(".")[0]
    return key not in keys and parent in keys and isinstance(get_value(base, parent), dict)


def _merge_dict_items(base: CampaignConfig, values: dict[str, Any]) -> dict[str, Any]:
    """``search.settings.lr=0.1`` -> an entry of the dict-valued key ``search.settings``."""
    keys = valid_keys(base)
    merged: dict[str, Any] = {}
    items: list[tuple[str, str, Any]] = []
    for key, value in values.items():
        parent, _, item = key.rpartition(".")
        if _is_dict_item(base, key, keys):
            items.append((parent, item, value))
        else:
            check_key(base, key, keys)
            merged[key] = value
    for parent, item, value in items:
        current = merged.get(parent, get_value(base, parent))
        if not isinstance(current, dict):
            raise ConfigError(f"{parent}: expected a JSON object, got {current!r}")
        merged[parent] = {**current, item: value}
    return merged


def read_file(path: str | Path) -> dict[str, Any]:
    """A JSON or TOML config file as ``{dotted key: value}`` (nested tables flatten)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text()) if path.suffix == ".toml" else json.loads(path.read_text())
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"config file {str(path)!r} is malformed: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold an object of keys, e.g. {{\"search\": {{\"num_trials\": 8}}}}")
    return flatten(data)


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys; dict-valued leaves (``settings``, ``custom``...) stay dicts."""
    leaves = set(valid_keys(CampaignConfig()))
    flat: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and key not in leaves:
            flat.update(flatten(value, f"{key}."))
        else:
            flat[key] = value
    return flat


def to_dict(config: CampaignConfig) -> dict[str, Any]:
    """The config as nested JSON-able dicts (what campaign.json stores)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def from_dict(data: dict[str, Any]) -> CampaignConfig:
    """Inverse of ``to_dict``; refuses a dict this version cannot rebuild exactly."""
    config = from_values(flatten(data))
    if to_dict(config) != data:
        raise ConfigError("the saved campaign config does not rebuild exactly with this version of spinenet-nas")
    return config


def check_resume_overrides(assignments: Sequence[str]) -> None:
    """Refuses keys that would change what the campaign has learned so far."""
    base = CampaignConfig()
    keys = valid_keys(base)
    for assignment in assignments:
        key = assignment.partition("=")[0].strip()
        if not _is_dict_item(base, key, keys):
            check_key(base, key, keys)  # an unknown key: say so, with the valid keys
        if not any(key == k or (k.endswith(".") and key.startswith(k)) for k in RESUMABLE_KEYS):
            raise ConfigError(
                f"{key!r} cannot change when resuming (the searcher's state depends on it); "
                f"resume accepts {', '.join(k + '*' if k.endswith('.') else k for k in RESUMABLE_KEYS)}"
            )
