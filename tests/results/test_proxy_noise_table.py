"""The noise table from hand-built records: pooled seed sd, the final weights' sd, the sampling sd."""

import math
import statistics

import pytest

from results.proxy_noise_table import noise_rows, pooled_sd, render_noise, repeat_tau, sd_interval


def _record(architecture, fidelity, reward, seed, final=None, sampling=None, status="ok"):
    ap = {"AP": reward}
    if final is not None:
        ap["AP_final"] = final
    if sampling is not None:
        ap["AP_sampling_sd"] = sampling
    return {"architecture": architecture, "fidelity": fidelity, "seed": seed, "status": status,
            "reward": reward if status == "ok" else None, "ap": ap if status == "ok" else None}


def test_pooled_sd_weighs_variances_by_degrees_of_freedom():
    # variances 1e-4 (0.1, 0.12, 0.11: dof 2) and 2e-4 (0.3, 0.32: dof 1); a lone value is skipped
    assert pooled_sd([[0.10, 0.12, 0.11], [0.30, 0.32], [0.9]]) == pytest.approx(math.sqrt((2e-4 + 2e-4) / 3))
    assert pooled_sd([[0.5]]) is None


def test_the_sd_interval_is_chi_square():
    low, high = sd_interval(1.0, dof=2)  # chi2(2) quantiles 0.0506 and 7.378
    assert low == pytest.approx(math.sqrt(2 / 7.3778), rel=1e-3)
    assert high == pytest.approx(math.sqrt(2 / 0.050636), rel=1e-3)
    assert sd_interval(None, 2) is None and sd_interval(1.0, 0) is None


def test_rows_per_fidelity_with_reruns_only():
    records = [
        _record("a", "target", 0.10, 0, final=0.08, sampling=0.01),
        _record("a", "target", 0.12, 1, final=0.14, sampling=0.03),
        _record("a", "target", 0.11, 2, final=0.11, sampling=0.02),
        _record("a", "target", 0.5, 3, status="failed"),
        _record("b", "target", 0.40, 0, final=0.30),  # no rerun: left out
        _record("a", "init-only", 0.2, 0), _record("a", "init-only", 0.2, 1),
        _record("b", "single", 0.3, 0),
    ]
    rows = noise_rows(records, ["target", "init-only", "single"])
    assert [r["fidelity"] for r in rows] == ["target", "init-only"]
    target, init = rows
    assert (target["architectures"], target["seeds"]) == (1, 3)
    assert target["mean_reward"] == pytest.approx(0.11) and target["seed_sd"] == pytest.approx(0.01)
    assert target["mean_final"] == pytest.approx(0.11) and target["final_sd"] == pytest.approx(0.03)
    assert target["sampling_sd"] == pytest.approx(0.02)
    assert init["seed_sd"] == 0 and init["final_sd"] is None and init["sampling_sd"] is None
    text = render_noise(rows, markdown=True)
    assert "| target" in text and "0.0300" in text
    assert target["seed_sd_interval"][0] < 0.01 < target["seed_sd_interval"][1]
    # on the log scale: a's seeds 0.10, 0.12, 0.11; seed-0 rewards at the target a 0.10, b 0.40
    log_sd = statistics.stdev([math.log(v) for v in (0.10, 0.12, 0.11)])
    assert target["log_seed_sd"] == pytest.approx(log_sd)
    assert target["log_spread_sd"] == pytest.approx(statistics.stdev([math.log(0.10), math.log(0.40)]))
    assert target["repeat_tau"] == pytest.approx(repeat_tau(log_sd, target["log_spread_sd"]))
    assert init["log_spread_sd"] is None and init["repeat_tau"] is None  # one architecture: no spread


def test_the_tau_of_a_rerun_falls_as_seed_noise_takes_the_spread():
    assert repeat_tau(0.0, 0.1) == pytest.approx(1.0)
    # half the variance is seed noise: r = 0.5, tau = 2/pi * asin(0.5) = 1/3
    assert repeat_tau(math.sqrt(0.5) * 0.1, 0.1) == pytest.approx(1 / 3)
    assert repeat_tau(0.2, 0.1) == 0.0  # noise beyond the spread (few seeds) reads as no ranking at all
    assert repeat_tau(None, 0.1) is None and repeat_tau(0.01, None) is None
