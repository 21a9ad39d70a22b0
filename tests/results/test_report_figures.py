"""plot_rewards and draw_architectures write real, input-dependent PNGs."""

from __future__ import annotations

import time

import numpy as np
import pytest
from matplotlib.image import imread

from tests.results.campaign_records import make_record, random_campaign
from search_space.sampling import sample_uniform
from results.architecture_figure import draw_architectures
from results.reward_plot import plot_rewards
from search_space import R35_SP18, R50_FPN, SPINENET_49, SPINENET_49_SPACE, decode, get_builtin

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_png(path, min_bytes: int = 5_000) -> np.ndarray:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > min_bytes  # a drawn figure, not an empty canvas
    return imread(path)


def test_reward_plot_is_a_png_that_depends_on_the_rewards(tmp_path):
    first = read_png(plot_rewards(random_campaign(40, seed=1), tmp_path / "a.png"))
    second = read_png(plot_rewards(random_campaign(40, seed=2), tmp_path / "b.png"))
    assert first.shape == second.shape == (450, 800, 4)
    assert np.abs(first - second).sum() > 100  # many pixels differ
    assert first.std() > 0.05  # not a blank image


def test_failed_trials_are_drawn_in_red(tmp_path):
    ok = [make_record(i, 0.1 * i) for i in range(5)]
    with_failures = ok + [make_record(5 + i, cause="oom", error="oom") for i in range(5)]
    def red_pixels(image):
        r, g, b = image[..., 0], image[..., 1], image[..., 2]
        return int(((r > 0.7) & (g < 0.3) & (b < 0.3)).sum())
    assert red_pixels(read_png(plot_rewards(ok, tmp_path / "ok.png"))) == 0
    assert red_pixels(read_png(plot_rewards(with_failures, tmp_path / "failed.png"))) > 20


def test_promotions_are_drawn_in_their_rung_colour(tmp_path):
    first = [{**make_record(i, 0.1 * i), "rung": 0, "budget": 0.5} for i in range(6)]
    promoted = [{**make_record(i, 0.2 * i), "rung": 1, "budget": 1.0} for i in (4, 5)]
    def green_pixels(image):  # tab:green, the first promotion rung's colour
        r, g, b = image[..., 0], image[..., 1], image[..., 2]
        return int(((g > 0.5) & (r < 0.3) & (b < 0.3)).sum())
    assert green_pixels(read_png(plot_rewards(first, tmp_path / "first.png"))) == 0
    assert green_pixels(read_png(plot_rewards(first + promoted, tmp_path / "promoted.png"))) > 20


def test_reward_plot_of_nothing_and_of_failures_only(tmp_path):
    read_png(plot_rewards([], tmp_path / "empty.png"))
    read_png(plot_rewards([make_record(0, cause="nan", error="NaN")], tmp_path / "nan.png"))


def test_reward_plot_of_thousands_is_fast(tmp_path):
    records = random_campaign(5000, seed=3)
    start = time.perf_counter()
    read_png(plot_rewards(records, tmp_path / "many.png"))
    assert time.perf_counter() - start < 10.0  # about 0.6 s on an idle 2-core machine


def test_architecture_figure_has_a_panel_per_spec_and_depends_on_them(tmp_path):
    rng = np.random.default_rng(0)
    samples = [decode(SPINENET_49_SPACE, sample_uniform(SPINENET_49_SPACE, rng)) for _ in range(2)]
    resnet_stem = decode(R35_SP18, sample_uniform(R35_SP18, rng))
    one = read_png(draw_architectures([("SpineNet-49", SPINENET_49)], tmp_path / "one.png"))
    three = read_png(draw_architectures(
        [("TF16", get_builtin("spinenet-49-tf16")), ("sample", samples[0]), ("R35-SP18", resnet_stem)],
        tmp_path / "three.png",
    ))
    assert three.shape[0] > 2.5 * one.shape[0]  # stacked panels
    a = read_png(draw_architectures([("x", samples[0])], tmp_path / "a.png"))
    b = read_png(draw_architectures([("x", samples[1])], tmp_path / "b.png"))
    assert a.shape == b.shape and np.abs(a - b).sum() > 100


def test_architecture_figure_edge_cases(tmp_path):
    read_png(draw_architectures([], tmp_path / "none.png"), min_bytes=1_000)
    with pytest.raises(ValueError, match="only SpineNet specs"):
        draw_architectures([("R50-FPN", R50_FPN)], tmp_path / "fpn.png")


def test_the_reward_legend_never_covers_the_axes_and_trial_ticks_are_whole(tmp_path):
    from results.reward_plot import reward_figure

    records = [{**make_record(i, 0.1 * i), "rung": 0, "budget": 0.5} for i in range(5)]
    records += [{**make_record(i, 0.2 * i), "rung": 1, "budget": 1.0} for i in range(2)]
    figure = reward_figure(records)
    figure.draw_without_rendering()  # lays the figure out as saving does
    [ax] = figure.axes
    [legend] = figure.legends
    box, legend_box = ax.get_window_extent(), legend.get_window_extent()
    assert legend_box.x0 >= box.x1 or not box.overlaps(legend_box)  # beside the data, not on it
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert "held-out AP" in ax.get_ylabel()
    # One finished trial: still whole ticks (matplotlib falls back to fractions when fewer than 2 fit).
    [one] = reward_figure(records[:1]).axes
    one.figure.draw_without_rendering()
    assert [t for t in one.get_xticks() if one.get_xlim()[0] <= t <= one.get_xlim()[1]] == [1.0]
