"""Starting and resuming campaigns: connect to Ray (``ray_connection``), rebuild the state, run, finish.

``search`` creates the campaign directory and runs; ``resume`` rebuilds the
driver's state from the directory (``recovery.replay``) and runs the rest:
every finished trial is kept, every unfinished one runs again under its own
id, and the searcher is exactly where it was. Both end by exporting the best
architectures, or by saying why the campaign stopped and how to go on.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Sequence

from controller import make_searcher
from nas.campaign import config_loading as config_lib
from nas.campaign.config import CampaignConfig
from nas.campaign.directory import CampaignDir
from nas.campaign.engine import Campaign
from nas.campaign.export import export_top
from nas.campaign.model_setup import campaign_model
from nas.campaign.progress import ProgressLine, ScalarWriter
from nas.campaign.records import versions
from nas.campaign.ray_connection import connect, disconnect, local_head_gone
from nas.campaign.recovery import replay
from nas.campaign.stop_signals import StopSignals
from nas.campaign.repair import repair as repair_campaign
from nas.campaign.trainable import TrialSettings
from nas.overrides import ConfigError, parse_assignment
from search_space.spaces import get_space

EXIT_OK, EXIT_STOPPED, EXIT_INTERRUPTED = 0, 1, 130
INTERRUPTED = (EXIT_INTERRUPTED, 143)  # SIGINT, SIGTERM (nas.campaign.stop_signals)

def search(config: CampaignConfig, root: str | Path, address: str | None = None, command: str = "",
           observers: Sequence = ()) -> int:
    """Starts a new campaign in ``root``; returns the exit status.

    ``observers`` are called with each new record and the campaign (e.g. a benchmark's probe).
    """
    directory = CampaignDir(root)
    directory.check_new()
    ray_started = connect(address, config)
    try:
        directory.create({"config": config_lib.to_dict(config), "space": config.search.space,
                          "searcher": config.search.searcher, "created_at": time.time(),
                          "versions": versions(), "command": command})
        return _run(directory, config, address, command, overrides=[], observers=observers)
    finally:
        disconnect(ray_started)


def resume(root: str | Path, overrides: Sequence[str] = (), address: str | None = None, command: str = "",
           repair: bool = False) -> int:
    """Continues the campaign in ``root``; ``overrides`` may change its budget and machines only.

    ``repair``: first set damaged record lines aside (``nas.campaign.repair``) and say what was done.
    """
    directory = CampaignDir(root)
    config = load_config(directory, overrides)
    if repair:
        directory.lock()
        for note in repair_campaign(directory, sync=config.search.mode == "sync"):
            print(f"repair: {note}", file=sys.stderr)
    directory.read_trials()  # damaged records stop the resume here, before Ray starts
    proposed = len(directory.read_proposals())
    if config.search.num_trials < proposed:
        raise ConfigError(f"search.num_trials={config.search.num_trials} is below the {proposed} trials "
                          f"already proposed; use at least {proposed}")
    directory.lock()
    ray_started = connect(address, config)
    try:
        return _run(directory, config, address, command, overrides=list(overrides), repair=repair)
    finally:
        disconnect(ray_started)


def load_config(directory: CampaignDir, overrides: Sequence[str] = ()) -> CampaignConfig:
    """The campaign's config: campaign.json plus every resume's overrides, then ``overrides``."""
    config_lib.check_resume_overrides(overrides)
    values = config_lib.flatten(directory.read_meta()["config"])
    earlier = [o for launch in directory.launches.read() for o in launch.get("overrides", [])]
    values.update(parse_assignment(assignment, example="search.num_trials=40") for assignment in [*earlier, *overrides])
    return config_lib.from_values(values)


def open_campaign(directory: CampaignDir, config: CampaignConfig, observers=()) -> Campaign:
    """The campaign's engine with its state rebuilt from ``directory``."""
    search_config = config.search
    searcher = make_searcher(search_config.searcher, get_space(search_config.space), seed=search_config.seed,
                             on_failure=search_config.on_failure, failure_reward=search_config.failure_reward,
                             **search_config.settings)
    campaign = Campaign(config, directory, searcher, observers=tuple(observers))
    replay(campaign)
    return campaign


def _run(directory: CampaignDir, config: CampaignConfig, address, command, overrides, observers=(),
         repair: bool = False) -> int:
    details = {"repair": True} if repair else {}
    launch = directory.record_launch(command, address=address, overrides=list(overrides), **details)
    progress = ProgressLine(config.output.progress_every_s)
    scalars = ScalarWriter(directory.tensorboard) if config.output.tensorboard else None
    campaign = open_campaign(directory, config, [o for o in (progress, scalars, *observers) if o is not None])
    print(_header(campaign, launch), flush=True)
    farewell = (f"The records are consistent; unfinished trials run again with: "
                f"spinenet-nas resume {directory.root}")
    on_stop = f"The records stay consistent: `spinenet-nas resume {directory.root}` goes on from them."
    with StopSignals(farewell=farewell, hopeless=local_head_gone, on_stop=on_stop) as stop:
        if stop.ignored_at_start:
            print("note: this driver was started with SIGINT ignored (in the background by a shell, `cmd &`), so "
                  "Ctrl-C cannot stop it: stop it with `kill -TERM <pid>`, or start it with `setsid` or a process "
                  "manager", file=sys.stderr, flush=True)
        progress.tick(campaign, force=True)
        try:
            interrupted = _dispatch(campaign, config, launch, progress, stop)
        finally:
            if scalars is not None:
                scalars.close()
        progress.tick(campaign, force=True)
        if campaign.error is not None:  # not a user error (exit 2): a traceback, and the way on
            raise RuntimeError(f"the campaign driver failed; {directory.root} is consistent: fix the cause, "
                               f"then `spinenet-nas resume {directory.root}`") from campaign.error
        return _finish(campaign, interrupted, stop)


def _dispatch(campaign: Campaign, config: CampaignConfig, launch: int, progress: ProgressLine,
              stop: StopSignals) -> bool:
    """Runs the trials; returns whether a KeyboardInterrupt ended them. Always leaves the state written."""
    settings = TrialSettings.from_config(config, str(campaign.dir.root / "trials"))
    try:
        if config.trial.dispatch == "tasks":
            from nas.campaign.task_runner import run_with_tasks

            run_with_tasks(campaign, settings, progress, stop)
        else:
            from nas.campaign.tune_runner import run_with_tune

            run_with_tune(campaign, settings, f"launch-{launch:03d}", progress, stop)
    except KeyboardInterrupt:  # where StopSignals could not take the signal (off the main thread)
        return True
    finally:
        campaign.checkpoint(force=True)
        campaign.dir.close()
    return False


def _header(campaign: Campaign, launch: int) -> str:
    config = campaign.config
    what = (f"campaign {campaign.dir.root}: {config.search.searcher} on {config.search.space}, "
            f"{config.search.num_trials} trials of {config.trial.kind} ({config.preset} preset), "
            f"{config.search.concurrency} at a time ({config.search.mode})")
    if config.search.device_hours is not None:
        what += f", until {config.search.device_hours:g} device-hours are spent"
    if launch == 0:
        return what
    return (f"{what}\nresuming (launch {launch}): {campaign.num_records} trials done, "
            f"{len(campaign.queue)} unfinished to run again")


def _finish(campaign: Campaign, interrupted: bool, stop: StopSignals) -> int:
    root = campaign.dir.root
    if campaign.stop_reason is not None:
        print(f"campaign stopped: {campaign.stop_reason}", file=sys.stderr)
        return EXIT_STOPPED
    if not campaign.finished:
        cause = stop.name if stop.requested else "Ctrl-C" if interrupted else "Ray Tune stopped"
        print(f"campaign interrupted with {campaign.num_records}/{campaign.config.search.num_trials} trials done "
              f"({cause}); unfinished trials run again with: spinenet-nas resume {root}", file=sys.stderr)
        return stop.exit_status if stop.requested else EXIT_INTERRUPTED
    records = campaign.dir.read_trials()
    model = campaign_model(campaign.config)
    written, notes = export_top(records, root / "export", campaign.config.search.space,
                                k=campaign.config.output.export_top_k, model=model)
    if not written and campaign.best is not None:  # rungs, and no trial reached the full budget
        written, notes = export_top(records, root / "export", campaign.config.search.space,
                                    k=campaign.config.output.export_top_k, any_budget=True, model=model)
        notes = ["no trial reached the full budget: exported the best at the largest budget reached", *notes]
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    promoted = f" ({campaign.num_promotions} promotions)" if campaign.rungs is not None else ""
    spent = " (the budget)" if campaign.budget_spent else ""
    print(f"campaign done: {campaign.num_records} trials{promoted}, {campaign.num_failures} failed, "
          f"{campaign.device_seconds / 3600:.3f} device-hours{spent}")
    if campaign.best is None:
        print("no trial succeeded: nothing to export")
        return EXIT_STOPPED
    print(f"best: trial {campaign.best[1]}, reward {campaign.best[0]:.4f}")
    print(f"exported best architecture: {root / 'export' / 'best.json'} "
          f"(all: {len(written)} files in {root / 'export'})")
    print(next_steps(root, campaign.config.output.tensorboard))
    return EXIT_OK


def next_steps(root: Path, tensorboard: bool) -> str:
    """What to do with a finished campaign: the commands, with its directory filled in."""
    tool = _short(Path(sys.executable).parent)  # the environment this driver runs in, e.g. .venv/bin
    root = _short(root)
    lines = ["next:",
             f"  {tool / 'spinenet-nas'} status {root}        # the table of trials, rewards.png and the best drawn",
             f"  {tool / 'spinenet-nas'} view {root}          # the same in a browser, live while a campaign runs",
             f"  {tool / 'spinenet-nas'} export {root} --top 5 --format tf   # TF Model Garden block specs",
             f"  {tool / 'spinenet-nas'} resume {root} --set search.num_trials=N   # search on"]
    if tensorboard:
        lines.append(f"  {tool / 'tensorboard'} --logdir {root / 'tensorboard'}   # reward, baseline, entropy")
    return "\n".join(lines)


def _short(path: Path) -> Path:
    """``path`` relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return Path(relative) if not relative.startswith("..") else Path(path)
