"""A reward averaged over k trainings under different seeds (``train.seeds``), and what their spread says.

One training's AP moves with its initialisation and data order; the mean of
k trainings moves about ``1 / sqrt(k)`` as much, for k times the training
(compilation is shared: the trainings of a trial reuse one compiled step).
Averaging is per metric over the trainings where it is finite (COCO gives NaN
for an empty area range). With k > 1 the trial also records ``AP_seed_sd``,
the sample standard deviation of AP over its trainings: a free estimate of
the seed noise a single training would have had.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Sequence

from storage.trial_record import REWARD_METRIC


# Training i of a trial seeds with seed + SEED_STRIDE * i, so that trials under seeds 0, 1, 2 (a study's
# reruns) never share a training.
SEED_STRIDE = 1000


def with_seed_offset(config, index: int):
    """The config of training ``index``: ``SEED_STRIDE * index`` added to ``train.seed`` and ``data.seed``."""
    if index == 0:
        return config
    offset = SEED_STRIDE * index
    return dataclasses.replace(
        config, train=dataclasses.replace(config.train, seed=config.train.seed + offset),
        data=dataclasses.replace(config.data, seed=config.data.seed + offset))


def average_metrics(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """Each metric's mean over the runs where it is finite (NaN if none), plus ``AP_seed_sd`` for 2+ runs."""
    keys = list(dict.fromkeys(key for run in runs for key in run))
    averaged = {}
    for key in keys:
        values = [run[key] for run in runs if key in run and math.isfinite(run[key])]
        averaged[key] = statistics.fmean(values) if values else math.nan
    if len(runs) > 1:
        averaged["AP_seed_sd"] = statistics.stdev(run[REWARD_METRIC] for run in runs)
    return averaged
