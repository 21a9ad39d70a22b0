"""The Ray Tune function trainable of a campaign trial, and what it is given.

Tune passes the proposal in ``config``; ``TrialSettings`` (the proxy config,
the campaign directory, the time limit...) are put in Ray's object store once
with ``tune.with_parameters``. The trainable runs ``nas.campaign.trial`` and
reports one result: the outcome as JSON (so Tune does not flatten it) and the
reward as Tune's metric.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

from typing import TYPE_CHECKING

from nas.campaign.trial import TrialTask, run_trial

if TYPE_CHECKING:  # workers of surrogate trials never import the proxy task
    from nas.campaign.config import CampaignConfig
    from proxy_task.config import ProxyConfig


CACHE_DIR = "xla-cache"  # beside trials/ in a campaign's or study's directory
CACHE_VARIABLE = "JAX_COMPILATION_CACHE_DIR"


@dataclasses.dataclass(frozen=True)
class TrialSettings:
    """What every trial of a campaign shares."""

    kind: str
    proxy: "ProxyConfig | None"
    seed: int
    trials_dir: str
    time_limit_s: float | None
    faults: tuple[tuple[int, str], ...]
    surrogate_seconds: float
    device_share: float
    env: tuple[tuple[str, str], ...]
    budgets: tuple[float, ...] = ()  # search.fidelity's rungs; () without rungs
    nice: int = 15

    @classmethod
    def from_config(cls, config: "CampaignConfig", trials_dir: str) -> "TrialSettings":
        return cls(
            kind=config.trial.kind, proxy=config.proxy if config.trial.kind == "proxy" else None,
            seed=config.proxy.train.seed, trials_dir=trials_dir,
            time_limit_s=config.trial.time_limit_s,
            faults=tuple((int(k), v) for k, v in config.trial.inject_faults.items()),
            surrogate_seconds=config.trial.surrogate_seconds, device_share=device_share(config),
            env=tuple(sorted(jax_environment(config, Path(trials_dir).parent / CACHE_DIR).items())),
            budgets=tuple(float(b) for b in config.search.fidelity), nice=config.trial.nice,
        )

    def task(self, trial: int, spec: dict, rung: int = 0) -> TrialTask:
        """Trial ``trial``'s task; with rungs, its run to ``rung`` (continuing from the earlier rung's checkpoint)."""
        rungs = dict(rung=rung, budget=self.budgets[rung], keep_checkpoint=rung < len(self.budgets) - 1) if (
            self.budgets) else {}
        return TrialTask(
            trial=trial, spec=spec, workdir=f"{self.trials_dir}/{trial:05d}", kind=self.kind, proxy=self.proxy, seed=self.seed,
            time_limit_s=self.time_limit_s, fault=dict(self.faults).get(trial),
            surrogate_seconds=self.surrogate_seconds, device_share=self.device_share, env=self.env, nice=self.nice,
            **rungs,
        )


def device_share(config: "CampaignConfig") -> float:
    """Accelerators one trial holds (device-seconds = wall seconds x this): GPUs, TPU chips, else CPUs."""
    if config.resources.gpus:
        return float(config.resources.gpus)
    if config.resources.custom.get("TPU"):
        return float(config.resources.custom["TPU"])
    return float(config.resources.cpus)


def jax_environment(config: "CampaignConfig", cache_dir: Path | None = None) -> dict[str, str]:
    """JAX settings of a trial's child: GPU sharing (no preallocation, a memory fraction each), the cache.

    Ray sets CUDA_VISIBLE_DEVICES for each worker; a trial's child process
    inherits it, plus these. The TF input pipeline never sees a GPU (tensorflow-cpu).
    With ``trial.compilation_cache`` and a ``cache_dir``, the children share a
    persistent compilation cache there, unless the environment names one.
    """
    env = {"TF_CPP_MIN_LOG_LEVEL": "2"}
    if config.trial.compilation_cache and cache_dir is not None and CACHE_VARIABLE not in os.environ:
        env[CACHE_VARIABLE] = str(cache_dir)
        env["JAX_COMPILATION_CACHE_MAX_SIZE"] = str(int(config.trial.compilation_cache_gb * 2 ** 30))
    gpus = config.resources.gpus
    fraction = config.resources.gpu_memory_fraction
    if gpus and (gpus < 1 or fraction is not None):
        env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
        env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{fraction if fraction is not None else 0.9 * gpus:.3f}"
    if not gpus and not config.resources.custom.get("TPU"):
        env["JAX_PLATFORMS"] = "cpu"
    return env


def campaign_trainable(config: dict, settings: TrialSettings) -> None:
    """Runs one trial and reports its outcome to Ray Tune."""
    from ray import tune

    outcome = run_trial(settings.task(int(config["trial"]), config["spec"], int(config.get("rung", 0))))
    reward = outcome.reward if outcome.reward is not None else math.nan
    tune.report({"reward": reward, "outcome": json.dumps(outcome.to_dict())})
