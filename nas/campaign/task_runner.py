"""Runs a campaign's trials as plain Ray tasks (``trial.dispatch=tasks``).

The same engine, records and resume as the Ray Tune path, without Tune's
per-trial machinery (an actor, a trial directory, result loggers, experiment
snapshots): for campaigns of thousands of instant trials, such as the 14,000
surrogate trials of ``benchmarks/campaign_overhead.py``. Ray retries a task
whose worker or node dies (``max_retries``), which is not charged to the
failure budget.
"""

from __future__ import annotations

import ray
from ray.exceptions import RayError, RayTaskError

from nas.campaign.config import CampaignConfig
from nas.campaign.engine import FINISHED, Campaign
from nas.campaign.progress import ProgressLine
from nas.campaign.stop_signals import POLL_S, StopSignals
from nas.campaign.trainable import TrialSettings
from nas.campaign.trial import run_trial
from search_space.serialization import spec_to_dict


def remote_trial(config: CampaignConfig) -> ray.remote_function.RemoteFunction:
    """``run_trial`` as a Ray task holding one trial's resources; a lost worker is retried."""
    bundle = config.trial_resources()
    return ray.remote(run_trial).options(
        num_cpus=bundle.pop("CPU"), num_gpus=bundle.pop("GPU", 0), resources=bundle or None,
        max_retries=config.trial.infra_retries, retry_exceptions=False,
    )


def run_with_tasks(campaign: Campaign, settings: TrialSettings, progress: ProgressLine,
                   stop: StopSignals | None = None) -> None:
    """Runs trials until the campaign is done or stopped, or ``stop`` is requested (then cancels the running ones)."""
    remote = remote_trial(campaign.config)
    running: dict[ray.ObjectRef, int] = {}
    wait_s = min(campaign.config.output.progress_every_s, POLL_S)
    requested = (lambda: stop.requested) if stop is not None else (lambda: False)
    try:
        while not requested():
            proposal = campaign.next_proposal()
            while proposal is not None and proposal != FINISHED:
                task = settings.task(proposal.id, spec_to_dict(proposal.spec), campaign.rung_of(proposal.id))
                running[remote.remote(task)] = proposal.id
                if requested():
                    break
                proposal = campaign.next_proposal()
            if not running:
                return
            done, _ = ray.wait(list(running), num_returns=1, timeout=wait_s)
            for ref in done:
                _collect(campaign, running.pop(ref), ref)
            progress.tick(campaign)
    except KeyboardInterrupt:  # off the main thread, where StopSignals cannot catch the signal
        _cancel(campaign, running)
        raise
    _cancel(campaign, running)


def _cancel(campaign: Campaign, running: dict[ray.ObjectRef, int]) -> None:
    """Stops the running trials (their workers are killed); they stay pending and run again on resume."""
    for ref, trial_id in running.items():
        ray.cancel(ref, force=True)
        campaign.abandon(trial_id)
    running.clear()


def _collect(campaign: Campaign, trial_id: int, ref: ray.ObjectRef) -> None:
    try:
        outcome = ray.get(ref)
    except RayTaskError:
        raise  # run_trial never raises for a trial's failure: this is a bug, not a trial outcome
    except RayError as err:  # the worker or node was lost after every retry
        campaign.lost(trial_id, f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
        return
    campaign.complete(trial_id, outcome)
