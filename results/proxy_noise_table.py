"""Where a proxy's reward noise comes from: per fidelity, its spread over seeds and over held-out samples.

``noise_rows(records, fidelities)`` reads a study's trial records (as
``results.proxy_study_table``). For each fidelity, over the architectures
trained under several seeds there:

* ``seed_sd``: the reward's standard deviation over seeds, pooled over
  architectures (the root of the mean of their sample variances). What the
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
    """Root of the mean within-group sample variance over groups of 2 or more values (None if none)."""
    variances = [statistics.variance(g) for g in groups if len(g) > 1]
    return math.sqrt(statistics.fmean(variances)) if variances else None


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
        rows.append({
            "fidelity": fidelity, "architectures": len(rerun),
            "seeds": min(len(rewards[a]) for a in rerun),
            "mean_reward": statistics.fmean(v for a in rerun for v in rewards[a]),
            "seed_sd": pooled_sd([rewards[a] for a in rerun]),
            "mean_final": statistics.fmean(v for g in final_groups for v in g) if final_groups else None,
            "final_sd": pooled_sd(final_groups),
            "sampling_sd": statistics.fmean(sampled) if sampled else None,
        })
    return rows


def render_noise(rows: Sequence[dict[str, Any]], markdown: bool = False) -> str:
    def number(value):
        return "-" if value is None else f"{value:.4f}"

    headers = ["fidelity", "archs", "seeds", "mean reward", "seed sd", "mean AP final", "final sd",
               "held-out sampling sd"]
    cells = [[r["fidelity"], r["architectures"], r["seeds"], number(r["mean_reward"]), number(r["seed_sd"]),
              number(r["mean_final"]), number(r["final_sd"]), number(r["sampling_sd"])] for r in rows]
    return render_table(headers, cells, markdown=markdown)
