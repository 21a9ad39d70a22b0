"""A study's report: report.md, study.csv and tau_vs_cost.png, rewritten from the records (partial studies too)."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from nas.study.reuse import spent_here
from nas.study.study import Study, load_study
from results.proxy_noise_table import noise_rows, render_noise
from results.proxy_study_plot import plot_tau_vs_cost
from results.proxy_study_table import read_records, render_study, study_rows, verdict
from storage.atomic_file import write_atomic

CSV_COLUMNS = ("fidelity", "trials", "failed", "device_seconds_per_trial", "architectures", "tau", "tau_low",
               "tau_high", "rho", "rho_low", "rho_high", "cv_mean", "cv_max", "passes")


def all_records(study: Study) -> list[dict]:
    """The study's records, and those of its part-way reads (``results.proxy_study_table.read_records``).

    Each carries its planned seed: records written before ``study_record`` set it
    hold the trial's training seed, which a fidelity may have pinned.
    """
    planned = {trial.trial: trial.seed for trial in study.trials}
    records = [{**r, "seed": planned.get(r["trial"], r["seed"])} for r in study.records]
    return records + read_records(records, study.config.read_fidelities)


@dataclasses.dataclass(frozen=True)
class StudyTables:
    """What a study's report and status show, computed once from its records so far."""

    rows: list[dict]  # results.proxy_study_table.study_rows
    verdict: str
    noise: list[dict]  # results.proxy_noise_table.noise_rows


def study_tables(study: Study) -> StudyTables:
    config = study.config
    records = all_records(study)
    rows = study_rows(records, config.reported, config.min_tau, config.max_cv, seed=config.seed)
    return StudyTables(rows, verdict(rows, config.min_tau, config.max_cv), noise_rows(records, config.reported))


def status_text(study: Study, tables: StudyTables | None = None) -> str:
    tables = tables or study_tables(study)
    done = len(study.records)
    noise = f"\nnoise over seeds:\n{render_noise(tables.noise)}\n" if tables.noise else ""
    return (f"study {study.dir.root}: {done} of {len(study.trials)} trials done "
            f"({len(study.architectures)} architectures, fidelities {', '.join(study.config.fidelities)})\n\n"
            f"{render_study(tables.rows)}\n\n{tables.verdict}\n" + noise)


def write_report(root: Path, command: str = "") -> str:
    """Writes DIR/report.md, DIR/study.csv and DIR/tau_vs_cost.png; returns the status text."""
    study = load_study(root)
    tables = study_tables(study)
    rows, config = tables.rows, study.config
    overrides = "; ".join(f"`{name}`: {', '.join(config.proxies[name]) or 'none'}" for name in config.proxies)
    lines = [
        "# Proxy study", "",
        f"Command: `{command or 'spinenet-nas proxy-study'}`", "",
        f"- {len(study.records)} of {len(study.trials)} trials done; preset `{config.preset}`; space "
        f"`{config.space}`; architectures: {', '.join(f'`{name}`' for name in study.architectures)} "
        f"(named, then {config.architectures} spread over multiply-adds from {config.pool} samples, seed "
        f"{config.seed})",
        f"- target: {', '.join(config.target) or 'the preset'}; candidates: {overrides or 'none trained'}",
        *([f"- part-way reads: the target's trainings were also read at {', '.join(f'{f:g}' for f in config.reads)} "
           f"of their steps; each read is a candidate (`target@<fraction>`) that trained nothing of its own, its "
           f"device-seconds that fraction of its training's (an estimate)"] if config.reads else []),
        f"- seeds: every architecture with seed 0; the first {config.rerun_architectures} also with seeds "
        f"1..{config.reruns - 1} (train and data seed), for the CV",
        "- tau and rho: seed-0 rewards of the architectures both sides scored, 95% bootstrap percentile "
        "intervals over architectures (2,000 resamples); CV: mean (and max) over the rerun architectures",
        f"- cost: {cost_line(study)}",
        "", render_study(rows, markdown=True), "", tables.verdict, "", "![tau against cost](tau_vs_cost.png)", "",
        *_noise_section(tables.noise),
    ]
    plot_tau_vs_cost(rows, root / "tau_vs_cost.png", config.min_tau)
    write_atomic(root / "report.md", "\n".join(lines).encode())
    write_atomic(root / "study.csv", _csv(rows).encode())
    return status_text(study, tables)


def cost_line(study: Study) -> str:
    """The study's trainings, the device-hours they spent, and the processors of its launches."""
    own = [r for r in study.records if not r.get("reused_from")]
    reused = len(study.records) - len(own)
    hosts = sorted({launch.get("host") or "not noted" for launch in study.dir.launches.read()})
    return (f"{len(own)} trainings, {spent_here(study.records) / 3600:.2f} device-hours (device-seconds of "
            f"the trials, one per trial's CPU or GPU share)" + (f"; {reused} trials reused another study's "
                                                                f"trainings" if reused else "")
            + f"; launches on: {', '.join(hosts) or 'none yet'}")


def _noise_section(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    return [
        "## Noise over seeds", "",
        "Per fidelity, over the architectures trained under several seeds: the reward's standard deviation "
        "over seeds (pooled over architectures, with its chi-square 95% interval); the same for the final "
        "weights' AP where the reward is the AP of their moving average (`train.ema_decay`); and the mean "
        "estimated sd of AP over other held-out samples of the same size (from 4 folds of the held-out images). What the seeds vary is the "
        "fidelity's overrides' doing (a pinned `data.seed` leaves only the initialisation). Beside them, on "
        "the log of the reward (where AP's seed noise is about the same for every architecture): the pooled sd "
        "over seeds, the sd of the seed-0 rewards over all the fidelity's architectures (how far apart they are), "
        "and the Kendall tau a second seed's ranking would have with the first's were log rewards normal with "
        "that noise share (`2/pi * asin(1 - seed sd^2 / spread^2)`): the ceiling noise sets on any tau here.", "",
        render_noise(rows, markdown=True), "",
    ]


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        tau, rho = r["tau"], r["rho"]
        writer.writerow([r["fidelity"], r["trials"], r["failed"], r["device_seconds_per_trial"], r["architectures"],
                         *(("", "", "") if tau is None else (tau.value, tau.low, tau.high)),
                         *(("", "", "") if rho is None else (rho.value, rho.low, rho.high)),
                         r["cv_mean"], r["cv_max"], r["passes"]])
    return out.getvalue()
