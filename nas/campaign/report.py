"""``spinenet-nas status``: a campaign's progress, best so far, failures and cost, plus plots.

Reads only the campaign directory, so it works while the campaign runs (from
another shell), after a crash, and after the end.
"""

from __future__ import annotations

from pathlib import Path

from nas.campaign.directory import CampaignDir
from nas.campaign.export import eligible, named_spec, top_records
from nas.campaign.records import first_rungs, is_genuine_failure, rung_of
from nas.campaign.trial_progress import running_lines


def status_text(directory: CampaignDir, top_k: int = 5) -> str:
    """The summary (``results.campaign_summary``) with the campaign's own state on top."""
    from results.campaign_summary import render_summary, summarize

    from nas.campaign.launch import load_config

    meta = directory.read_meta()
    config = load_config(directory)  # with every resume's overrides
    records = directory.read_trials()
    samples = first_rungs(records)
    proposed = {line["trial"] for line in directory.read_proposals()}
    unfinished = sorted(proposed - {r["trial"] for r in records})
    launches = directory.launches.read()
    genuine = sum(map(is_genuine_failure, records))
    head = [
        f"campaign {directory.root}: {meta['searcher']} on {meta['space']}, preset {config.preset}, "
        f"{config.trial.kind} trials; {len(launches)} launch(es)",
        f"trials: {len(samples)} finished of {config.search.num_trials}; "
        f"{len(unfinished)} unfinished (run again on resume)" + (f": {unfinished[:10]}" if unfinished else ""),
        f"failure budget: {genuine} genuine failures of search.max_failures={config.search.max_failures}",
        *_rungs_lines(config, records),
        *running_lines(directory.root / "trials", launches),
    ]
    return "\n".join(head) + "\n\n" + render_summary(summarize(records, top_k=top_k))


def _rungs_lines(config, records: list[dict]) -> list[str]:
    """With rungs: how many records each rung holds."""
    if not config.search.fidelity:
        return []
    counts = ", ".join(f"{sum(rung_of(r) == rung for r in records)} at budget {budget:g}"
                       for rung, budget in enumerate(config.search.fidelity))
    return [f"rungs (eta {config.search.eta}): {counts}"]


def write_plots(directory: CampaignDir, top_k: int = 3) -> list[Path]:
    """DIR/plots/rewards.png (reward per trial, best so far) and top_architectures.png."""
    from results.architecture_figure import draw_architectures
    from results.reward_plot import plot_rewards

    records = directory.read_trials()
    space = directory.read_meta()["space"]
    directory.plots.mkdir(parents=True, exist_ok=True)
    paths = [plot_rewards(records, directory.plots / "rewards.png")]
    top = top_records(eligible(records, any_budget=True), top_k)
    if top:
        items = [(f"#{rank} trial {r['trial']}: reward {r['reward']:.4f}", named_spec(r, space))
                 for rank, r in enumerate(top, start=1)]
        paths.append(draw_architectures(items, directory.plots / "top_architectures.png"))
    return paths
