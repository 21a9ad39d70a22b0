"""Rank agreement against hand-computed values: tau-b and rho with ties, the bootstrap interval, the CV."""

import itertools
import math

import numpy as np
import pytest

from results.rank_agreement import (
    bootstrap, coefficient_of_variation, kendall_tau, rank_agreement, spearman_rho,
)


def test_tau_counts_concordant_and_discordant_pairs():
    # 10 pairs; (2,3) and (4,5) swap: (8 - 2) / 10.
    assert kendall_tau([1, 2, 3, 4, 5], [1, 3, 2, 5, 4]) == pytest.approx(0.6)
    assert kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_tau_b_and_rho_with_ties_by_hand():
    x, y = [1, 2, 2, 3], [1, 2, 3, 3]
    # Pairs: 4 concordant, 0 discordant, one tied in x only, one tied in y only, of 6:
    # tau-b = (4 - 0) / sqrt((6 - 1) * (6 - 1)) = 0.8.
    assert kendall_tau(x, y) == pytest.approx(0.8)
    # Average ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3.5, 3.5. Pearson of the ranks: 3.75 / 4.5.
    assert spearman_rho(x, y) == pytest.approx(3.75 / 4.5)


def test_a_constant_side_has_no_coefficient():
    assert math.isnan(kendall_tau([0, 0, 0], [1, 2, 3])) and math.isnan(spearman_rho([1, 2, 3], [5, 5, 5]))


def test_bad_pairs_are_refused_by_name():
    with pytest.raises(ValueError, match="differ in length: 3 and 2"):
        kendall_tau([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2 architectures, got 1"):
        spearman_rho([1], [1])
    with pytest.raises(ValueError, match="must be finite"):
        rank_agreement([1, math.nan, 3], [1, 2, 3])


def test_the_bootstrap_interval_is_the_percentile_interval_of_the_exact_resampling_distribution():
    a, b = [1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0]
    # Every one of the 4**4 resamples, equally likely: the distribution the bootstrap samples from.
    exact = []
    for rows in itertools.product(range(4), repeat=4):
        x, y = [a[i] for i in rows], [b[i] for i in rows]
        if len(set(x)) > 1 and len(set(y)) > 1:
            exact.append(kendall_tau(x, y))
    estimate = bootstrap(kendall_tau, a, b, resamples=20_000, confidence=0.8, seed=1)
    assert estimate.value == pytest.approx(kendall_tau(a, b)) == pytest.approx(4 / 6)
    assert estimate.low == pytest.approx(np.quantile(exact, 0.1), abs=0.05)
    assert estimate.high == pytest.approx(np.quantile(exact, 0.9), abs=0.05)
    undefined = 1 - len(exact) / 4**4  # all one architecture: 4 of 256
    assert estimate.dropped / estimate.resamples == pytest.approx(undefined, abs=0.01)


def test_perfect_agreement_has_a_degenerate_interval_and_the_bootstrap_is_seeded():
    agreement = rank_agreement([0.1, 0.2, 0.3, 0.5, 0.4], [1, 2, 3, 5, 4], resamples=500, seed=7)
    assert agreement.architectures == 5
    tau, rho = agreement.tau, agreement.rho
    assert (tau.value, tau.low, tau.high, rho.value, rho.low, rho.high) == pytest.approx((1.0,) * 6)
    again = rank_agreement([0.1, 0.2, 0.3, 0.5, 0.4], [1, 2, 3, 5, 4], resamples=500, seed=7)
    assert again == agreement


def test_the_interval_narrows_with_more_architectures():
    rng = np.random.default_rng(0)
    widths = []
    for n in (8, 64):
        target = rng.normal(size=n)
        proxy = target + rng.normal(scale=0.7, size=n)
        tau = rank_agreement(proxy, target, resamples=1000).tau
        assert tau.low <= tau.value <= tau.high
        widths.append(tau.high - tau.low)
    assert widths[1] < widths[0] / 2


def test_coefficient_of_variation_by_hand():
    # mean 2, sample standard deviation 1: CV 0.5.
    assert coefficient_of_variation([1.0, 2.0, 3.0]) == pytest.approx(0.5)
    assert math.isnan(coefficient_of_variation([0.3])) and math.isnan(coefficient_of_variation([-1.0, 1.0]))
