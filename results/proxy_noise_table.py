"""Where a proxy's reward noise comes from: per fidelity, its spread over seeds and over held-out samples.

``noise_rows(records, fidelities)`` reads a study's trial records (as
``results.proxy_study_table``). For each fidelity, over the architectures
trained under several seeds there:

* ``seed_sd``: the reward's standard deviation over seeds, pooled over
  architectures (sample variances weighted by their degrees of freedom), with
  its chi-square 95% interval (``seed_sd_interval``). What the
  seeds vary is the fidelity's doing: a fidelity that pins ``data.seed``
  varies only the initialisation, one that pins ``train.seed`` only the data
  order, one that pins neither both.
* ``final_sd``: the same for ``AP_final``, the final weights' AP, when the
  reward is the AP of the weights' moving average (``train.ema_decay``): both
  come from the same trainings, so their ratio is the average's effect.
* ``sampling_sd``: the mean over those trials of ``AP_sampling_sd``, how far
  AP would move on another held-out sample of the same size. The held-out
  images are the same for every seed, so this is noise *beside* the seed sd,
  shared by all architectures of a study (it blurs what the reward says about
  an architecture, not the order of two rewards on the same images).
* ``log_seed_sd`` and ``log_spread_sd``: on the log of the reward (AP's seed
  noise grows with AP, about in proportion: on the log scale it is about the
  same for every architecture, and the log's sd is about the CV), the pooled
  sd over seeds, and the sd of the seed-0 rewards over every architecture the
  fidelity scored (how far apart architectures are, seed noise included).
  From them ``repeat_tau``: the Kendall tau two trainings of every
  architecture under different seeds would have with each other, were log
  rewards normal with that share of noise (``r = 1 - seed**2 / spread**2``,
  tau ``= 2/pi * asin(r)``). A ceiling on the tau that noise leaves a proxy
  against a target as noisy, and an estimate: the seed sd comes from few
  architectures. Rewards of 0 have no log and are left out of both.
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Sequence

from results.table import render_table
from storage.trial_record import is_ok

Record = dict[str, Any]


def _by_architecture(records: Sequence[Record], fidelity: str, read) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {}
    for r in records:
        value = read(r) if r["fidelity"] == fidelity and is_ok(r) else None
        if value is not None and math.isfinite(value):
            values.setdefault(r["architecture"], []).append(float(value))
    return values


def pooled_sd(groups: Sequence[Sequence[float]]) -> float | None:
    """Root of the within-group sample variances pooled by degrees of freedom (None if no group has 2 values)."""
    rerun = [g for g in groups if len(g) > 1]
    if not rerun:
        return None
    return math.sqrt(sum(statistics.variance(g) * (len(g) - 1) for g in rerun) / _dof(rerun))


def _dof(groups: Sequence[Sequence[float]]) -> int:
    return sum(len(g) - 1 for g in groups if len(g) > 1)


def sd_interval(sd: float | None, dof: int, level: float = 0.95) -> tuple[float, float] | None:
    """The chi-square confidence interval of a standard deviation estimated with ``dof`` degrees of freedom.

    Assumes normal rewards; with 2 or 3 seeds it is wide (3 seeds, dof 2: from 0.52 to 6.3 times the
    estimate), which is the point of printing it.
    """
    from scipy.stats import chi2

    if sd is None or dof < 1:
        return None
    tail = (1 - level) / 2
    return sd * math.sqrt(dof / chi2.ppf(1 - tail, dof)), sd * math.sqrt(dof / chi2.ppf(tail, dof))


def noise_rows(records: Sequence[Record], fidelities: Sequence[str]) -> list[dict[str, Any]]:
    """One row per fidelity with reruns: architectures, seeds, mean reward and the three spreads."""
    rows = []
    for fidelity in fidelities:
        rewards = _by_architecture(records, fidelity, lambda r: r["reward"])
        rerun = {a for a, values in rewards.items() if len(values) > 1}
        if not rerun:
            continue
        finals = _by_architecture(records, fidelity, lambda r: (r.get("ap") or {}).get("AP_final"))
        sampling = _by_architecture(records, fidelity, lambda r: (r.get("ap") or {}).get("AP_sampling_sd"))
        sampled = [v for a in rerun for v in sampling.get(a, [])]
        final_groups = [finals[a] for a in rerun if a in finals]
        groups = [rewards[a] for a in rerun]
        seed_sd = pooled_sd(groups)
        log_seed_sd = pooled_sd([[math.log(v) for v in g if v > 0] for g in groups])
        log_spread_sd = _log_spread_sd(records, fidelity)
        rows.append({
            "fidelity": fidelity, "architectures": len(rerun),
            "seeds": min(len(rewards[a]) for a in rerun),
            "mean_reward": statistics.fmean(v for a in rerun for v in rewards[a]),
            "seed_sd": seed_sd,
            "seed_sd_interval": sd_interval(seed_sd, _dof(groups)),
            "mean_final": statistics.fmean(v for g in final_groups for v in g) if final_groups else None,
            "final_sd": pooled_sd(final_groups),
            "sampling_sd": statistics.fmean(sampled) if sampled else None,
            "log_seed_sd": log_seed_sd, "log_spread_sd": log_spread_sd,
            "repeat_tau": repeat_tau(log_seed_sd, log_spread_sd),
        })
    return rows


def _log_spread_sd(records: Sequence[Record], fidelity: str) -> float | None:
    logs = [math.log(r["reward"]) for r in records
            if r["fidelity"] == fidelity and r["seed"] == 0 and is_ok(r) and r["reward"] > 0]
    return statistics.stdev(logs) if len(logs) > 1 else None


def repeat_tau(seed_sd: float | None, spread_sd: float | None) -> float | None:
    """Kendall tau between two seeds' rankings when the seed sd is ``seed_sd`` of a total spread ``spread_sd``."""
    if seed_sd is None or not spread_sd:
        return None
    reliability = max(0.0, 1.0 - (seed_sd / spread_sd) ** 2)
    return 2 / math.pi * math.asin(reliability)


def render_noise(rows: Sequence[dict[str, Any]], markdown: bool = False) -> str:
    def number(value):
        return "-" if value is None else f"{value:.4f}"

    def interval(bounds):
        return "-" if bounds is None else f"[{bounds[0]:.4f}, {bounds[1]:.4f}]"

    headers = ["fidelity", "archs", "seeds", "mean reward", "seed sd", "seed sd 95% CI", "mean AP final",
               "final sd", "held-out sampling sd", "ln seed sd", "ln spread", "tau of a rerun"]
    cells = [[r["fidelity"], r["architectures"], r["seeds"], number(r["mean_reward"]), number(r["seed_sd"]),
              interval(r["seed_sd_interval"]), number(r["mean_final"]), number(r["final_sd"]),
              number(r["sampling_sd"]), number(r["log_seed_sd"]), number(r["log_spread_sd"]),
              "-" if r["repeat_tau"] is None else f"{r['repeat_tau']:.2f}"] for r in rows]
    return render_table(headers, cells, markdown=markdown)
