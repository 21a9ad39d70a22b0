"""A proxy study's table, verdict and figure from hand-built records."""

import pytest

from results.proxy_study_plot import plot_tau_vs_cost
from results.proxy_study_table import read_records, render_study, study_rows, verdict

TARGET = {"a": 0.30, "b": 0.20, "c": 0.10, "d": 0.05}


def _record(architecture, fidelity, reward, seed=0, device_seconds=100.0, status="ok"):
    return {"architecture": architecture, "fidelity": fidelity, "seed": seed, "status": status,
            "reward": reward if status == "ok" else None, "device_seconds": device_seconds}


def _records():
    records = [_record(a, "target", r, device_seconds=400.0) for a, r in TARGET.items()]
    records += [_record(a, "good", r / 2, device_seconds=50.0) for a, r in TARGET.items()]  # same order
    records += [_record(a, "bad", 0.3 - r, device_seconds=10.0) for a, r in TARGET.items()]  # reversed
    records += [_record("a", "good", 0.16, seed=1, device_seconds=50.0), _record("a", "good", 0.14, seed=2)]
    records += [_record("a", "bad", 0.01, seed=1), _record("a", "bad", 0.5, seed=2, status="failed")]
    return records


def test_rows_give_agreement_noise_cost_and_the_verdict():
    rows = study_rows(_records(), ["target", "good", "bad"], min_tau=0.65, max_cv=0.4, resamples=300)
    target, good, bad = rows
    assert (target["trials"], target["device_seconds_per_trial"], target["tau"], target["passes"]) == (
        4, 400.0, None, False)
    assert good["tau"].value == pytest.approx(1.0) and good["rho"].value == pytest.approx(1.0)
    assert good["cv_mean"] == pytest.approx(0.01 / 0.15) and good["passes"]  # a: 0.15, 0.16, 0.14: sd 0.01
    assert bad["tau"].value == pytest.approx(-1.0) and not bad["passes"] and bad["failed"] == 1
    assert bad["cv_mean"] == pytest.approx(2 ** 0.5)  # a: 0.0 and 0.01 (seed 2 failed): sd 0.01 / sqrt 2, mean 0.005
    assert "Verdict: `good` is the cheapest candidate" in verdict(rows, 0.65, 0.4)
    text = render_study(rows)
    assert "1.00 [1.00, 1.00]" in text and "-1.00 [-1.00, -1.00]" in text


def test_a_partial_study_has_no_tau_and_no_verdict_yet(tmp_path):
    records = [_record("a", "target", 0.3), _record("a", "good", 0.1)]
    rows = study_rows(records, ["target", "good"], min_tau=0.65, max_cv=0.4)
    assert rows[1]["tau"] is None and rows[1]["architectures"] == 0 and not rows[1]["passes"]
    assert "no candidate reaches" in verdict(rows, 0.65, 0.4)
    assert plot_tau_vs_cost(rows, tmp_path / "p.png", 0.65).read_bytes().startswith(b"\x89PNG")


def test_the_figure_plots_every_candidate_with_a_tau(tmp_path):
    rows = study_rows(_records(), ["target", "good", "bad"], min_tau=0.65, max_cv=0.4, resamples=200)
    path = plot_tau_vs_cost(rows, tmp_path / "tau.png", 0.65)
    assert path.stat().st_size > 10_000


def test_a_read_is_a_candidate_with_its_reward_and_a_fraction_of_the_cost():
    records = [dict(_record(a, "target", r, device_seconds=400.0), ap={"AP": r, "AP@0.25": r / 4})
               for a, r in TARGET.items()]
    records[-1]["ap"].pop("AP@0.25")  # a training without the read (an older record)
    derived = read_records(records, {"target@0.25": ("target", 0.25)})
    assert [(d["fidelity"], d["reward"], d["device_seconds"], d["status"]) for d in derived[:2]] == [
        ("target@0.25", 0.075, 100.0, "ok"), ("target@0.25", 0.05, 100.0, "ok")]
    assert derived[-1]["status"] == "failed" and derived[-1]["reward"] is None
    rows = study_rows(records + derived, ["target", "target@0.25"], min_tau=0.65, max_cv=0.4, resamples=200)
    assert rows[1]["tau"].value == pytest.approx(1.0) and rows[1]["architectures"] == 3 and rows[1]["failed"] == 1
