"""A search study's report: each searcher's retrained winners at equal device-hours, the references, the verdict.

Writes ``DIR/report.md``, ``DIR/search_study.json`` (the numbers) and
``DIR/reward_vs_device_hours.png``; returns the report's text. A study whose
retraining has not finished reports what is there and says what is missing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from nas.campaign.directory import CampaignDir
from nas.search_study.runner import campaign_dir, load_or_create
from results.search_study_plot import plot_reward_vs_hours
from results.search_study_table import difference_estimate, pooled_seed_sd, score_estimate
from results.table import render_table
from storage.atomic_file import write_atomic
from storage.trial_record import first_rungs, is_ok


def _retrained(root: Path) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Target-fidelity rewards of the retraining study by spec hash and by architecture name."""
    from nas.study.directory import StudyDir

    by_hash, by_name = {}, {}
    directory = StudyDir(root / "retrain")
    for record in directory.read_trials() if directory.exists else []:
        if record["fidelity"] == "target" and is_ok(record):
            by_hash.setdefault(record["spec_hash"], []).append(record["reward"])
            by_name.setdefault(record["architecture"], []).append(record["reward"])
    return by_hash, by_name


def _fmt(estimate) -> str:
    if estimate is None or math.isnan(estimate.value):
        return "-"
    return f"{estimate.value:.4f} [{estimate.low:.4f}, {estimate.high:.4f}]"


def write_report(root: str | Path, command: str = "") -> str:
    root = Path(root).absolute()
    config = load_or_create(root, None, command)
    winners_file = root / "winners.json"
    winners = json.loads(winners_file.read_text()) if winners_file.exists() else {}
    by_hash, by_name = _retrained(root)
    campaigns, rows, scores = [], [], {}
    for searcher in config.searchers:
        runs, mine = [], []  # each seed's winners' retrained rewards; the searcher's records, all seeds
        for index, seed in enumerate(config.seeds):
            name = f"{searcher}-{seed}"
            directory = CampaignDir(campaign_dir(root, name))
            records = directory.trials.read() if directory.exists else []
            campaigns.append((name, searcher, index, records))
            mine += records
            runs.append([by_hash.get(w["spec_hash"], []) for w in winners.get(name, [])])
        spent = sum(float(r.get("device_seconds") or 0) for r in mine) / 3600
        samples = len(first_rungs(mine))
        scores[searcher] = (runs, score_estimate(runs))
        rows.append([searcher, len(config.seeds), samples, round(spent, 3), _fmt(scores[searcher][1])])
    references = [[name, len(by_name.get(name, [])), *_mean_sd(by_name.get(name, []))] for name in config.references]
    seed_sd = pooled_seed_sd(list(by_hash.values()))
    differences = {f"{a} - {b}": difference_estimate(scores[a][0], scores[b][0])
                   for a in config.searchers[:1] for b in config.searchers[1:]}
    text = _text(config, command, rows, references, differences, seed_sd)
    write_atomic(root / "report.md", text.encode())
    write_atomic(root / "search_study.json", json.dumps({
        "searchers": {s: {"score": _as_dict(e)} for s, (_, e) in scores.items()},
        "differences": {k: _as_dict(e) for k, e in differences.items()},
        "retrain_seed_sd": seed_sd, "winners": winners,
        "references": {r[0]: {"seeds": r[1], "mean": r[2], "sd": r[3]} for r in references},
    }, indent=2, default=str).encode())
    plot_reward_vs_hours(campaigns, root / "reward_vs_device_hours.png", config.device_hours)
    return text


def _mean_sd(values: list[float]) -> list:
    if not values:
        return ["-", "-"]
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else float("nan")
    return [round(mean, 4), round(sd, 4)]


def _as_dict(estimate) -> dict:
    return {"value": estimate.value, "low": estimate.low, "high": estimate.high, "resamples": estimate.resamples}


def _text(config, command, rows, references, differences, seed_sd) -> str:
    lines = ["# Search study", "", f"Command: `{command or 'spinenet-nas search-study'}`", "",
             f"Each campaign: {config.device_hours:g} device-hours; the best {config.top_k} of each retrained under "
             f"{config.retrain_seeds} seeds ({list(config.retrain) or 'the preset'}). Score: the best winner's mean "
             f"retrained reward, averaged over the campaign seeds; 95% two-level bootstrap intervals (campaigns, "
             f"then training seeds).", "",
             render_table(["searcher", "campaigns", "samples", "device-hours", "retrained score [95% CI]"], rows,
                          markdown=True), "",
             render_table(["reference", "seeds", "mean reward", "seed sd"], references, markdown=True), "",
             f"Retraining seed sd (pooled over the winners): {seed_sd:.4f}" if not math.isnan(seed_sd) else
             "Retraining seed sd: not yet measured", ""]
    for name, estimate in differences.items():
        lines.append(f"- {name}: {_fmt(estimate)}")
    lines += ["", _verdict(config, differences, seed_sd), ""]
    return "\n".join(lines)


def _verdict(config, differences, seed_sd) -> str:
    first = config.searchers[0]
    key = f"{first} - random"
    if key not in differences or math.isnan(differences[key].value):
        return f"Verdict: not yet: {first} and random search both need retrained winners."
    estimate = differences[key]
    beat = estimate.low > 0 and (math.isnan(seed_sd) or estimate.value > seed_sd)
    if beat:
        return (f"Verdict: {first} beat random search at equal device-hours, by {estimate.value:.4f}, more than "
                f"the retraining's seed sd and with the interval above 0.")
    return (f"Verdict: {first} did not beat random search by more than the seed spread at equal device-hours "
            f"(difference {_fmt(estimate)}, seed sd {seed_sd:.4f}).")
