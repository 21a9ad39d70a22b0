"""Runs a search study: every campaign to its device-hour budget, then its winners retrained.

    DIR/search-study.json        the config (written once; a resume runs what it says)
    DIR/campaigns/<searcher>-<seed>/   one campaign directory each (``nas.campaign.directory``)
    DIR/winners.json             each campaign's best ``top_k`` at the end of its search
    DIR/winners/<name>.json      their specs, one file per distinct architecture
    DIR/retrain/                 a proxy study (``nas.study``) retraining winners and references

Each step is a campaign or a study that resumes on its own, so running the
command again after a crash or Ctrl-C goes on where it stopped: a finished
campaign is not touched, an unfinished one resumes, the retraining study runs
its trials without a record.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

from nas.campaign.directory import CampaignDir, read_format_file
from nas.overrides import ConfigError, apply_values
from nas.search_study.config import SearchStudyConfig
from search_space.canonical import spec_hash
from search_space.serialization import spec_to_dict
from storage.atomic_file import write_atomic

FORMAT, VERSION = "spinenet-nas/search-study", 1
EXIT_OK = 0


def study_file(root: Path) -> Path:
    return root / "search-study.json"


def load_or_create(root: Path, config: SearchStudyConfig | None, command: str) -> SearchStudyConfig:
    """The study's config: the saved one when ``root`` holds a study (``config`` must then be None)."""
    path = study_file(root)
    if path.exists():
        if config is not None:
            raise ConfigError(f"{root} holds a search study whose config is fixed; continue it with "
                              f"`spinenet-nas search-study --dir {root}` and no --set or --preset")
        meta = read_format_file(path, FORMAT, VERSION, "search study", "restore it from a copy of the study")
        return apply_values(SearchStudyConfig(), meta["config"])
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root} exists, is not empty and holds no search study; choose another --dir")
    config = config or SearchStudyConfig()
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"format": FORMAT, "version": VERSION, "command": command,
                                   "config": json.loads(json.dumps(dataclasses.asdict(config)))},
                                  indent=2).encode())
    return config


def campaign_dir(root: Path, name: str) -> Path:
    return root / "campaigns" / name


def run_campaigns(config: SearchStudyConfig, root: Path, address: str | None, command: str) -> int:
    """Runs or resumes each campaign that has not finished; the first non-zero exit status stops here."""
    from nas.campaign.launch import resume, search

    for name, searcher, seed in config.campaign_names():
        path = campaign_dir(root, name)
        if CampaignDir(path).exists:
            if campaign_finished(path):
                continue
            print(f"[search-study] resuming campaign {name}", flush=True)
            status = resume(path, address=address, command=command)
        else:
            print(f"[search-study] campaign {name}: {searcher}, seed {seed}, {config.device_hours:g} device-hours",
                  flush=True)
            status = search(config.campaign_config(searcher, seed), path, address, command)
        if status != EXIT_OK:
            print(f"[search-study] campaign {name} ended with status {status}; go on with "
                  f"`spinenet-nas search-study --dir {root}`", file=sys.stderr)
            return status
    return EXIT_OK


def campaign_finished(path: Path) -> bool:
    """The campaign spent its budget or ran its trials (rebuilt from its records, without Ray)."""
    from nas.campaign.launch import load_config, open_campaign

    directory = CampaignDir(path)
    try:
        return open_campaign(directory, load_config(directory)).finished
    finally:
        directory.close()


def choose_winners(config: SearchStudyConfig, root: Path) -> dict[str, list[dict]]:
    """Each campaign's best ``top_k`` (full-budget records first, as ``export`` ranks them); writes their specs."""
    from nas.campaign.export import eligible, named_spec, top_records

    winners, files = {}, {}
    for name, _, _ in config.campaign_names():
        directory = CampaignDir(campaign_dir(root, name))
        records = directory.read_trials()
        space = directory.read_meta()["space"]
        chosen = top_records(eligible(records) or eligible(records, any_budget=True), config.top_k)
        winners[name] = []
        for rank, record in enumerate(chosen, start=1):
            spec = named_spec(record, space)
            digest = spec_hash(spec)
            if digest not in files:  # an architecture two campaigns found is retrained once
                files[digest] = root / "winners" / f"{name}-rank{rank}.json"
                write_atomic(files[digest], json.dumps(spec_to_dict(spec), indent=2).encode())
            winners[name].append({"rank": rank, "trial": record["trial"], "proxy_reward": record["reward"],
                                  "spec_hash": digest, "file": str(files[digest].relative_to(root))})
    write_atomic(root / "winners.json", json.dumps(winners, indent=2).encode())
    return winners


def retrain_config(config: SearchStudyConfig, root: Path, winners: dict[str, list[dict]]):
    """The proxy study that retrains every distinct winner and the references under ``retrain_seeds`` seeds."""
    from nas.study.config import StudyConfig

    # Relative to where the command runs, as the user named the directory: the names stay readable.
    files = dict.fromkeys(os.path.relpath(root / w["file"]) for found in winners.values() for w in found)
    named = (*config.references, *files)
    campaign = config.first_campaign_config()
    return StudyConfig(preset=campaign.preset, space=campaign.search.space, architectures=0, named=named,
                       target=config.retrain, proxies={}, reads=(0.5,), rerun_architectures=len(named),
                       reruns=config.retrain_seeds, reuse=config.reuse, resources=campaign.resources,
                       trial=campaign.trial)


def run_retraining(config: SearchStudyConfig, root: Path, address: str | None, command: str) -> int:
    from nas.study.runner import run_study
    from nas.study.study import create_study, load_study

    path = root / "retrain"
    if (path / "study.json").exists():
        study = load_study(path)
    else:
        study = create_study(retrain_config(config, root, choose_winners(config, root)), path, command)
    return run_study(study, address, command, resume=f"spinenet-nas search-study --dir {root}")


def run_search_study(config: SearchStudyConfig | None, root: str | Path, address: str | None = None,
                     command: str = "") -> int:
    """Starts or continues the search study in ``root``; returns the exit status (0: all done)."""
    from nas.campaign.ray_connection import connect, disconnect

    root = Path(root).absolute()
    config = load_or_create(root, config, command)
    # One Ray for every campaign and the retraining (each would otherwise start and stop its own).
    started = connect(address, config.first_campaign_config())
    try:
        status = run_campaigns(config, root, address, command)
        if status != EXIT_OK:
            return status
        return run_retraining(config, root, address, command)
    finally:
        disconnect(started)
