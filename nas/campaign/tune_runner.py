"""Runs a campaign's trials as a Ray Tune experiment.

Each launch (``search``, then every ``resume``) is a fresh Tuner whose
experiment lives in ``DIR/tune/launch-NNN``. ``Tuner.restore`` is not used on
purpose: Tune snapshots its experiment state periodically, so after a
``kill -9`` its trial table can lag the campaign by any number of finished
trials (they would run twice) and its pickled searcher can lag the records
(the controller would lose feedback; see ray-project/ray#30861, #30584). The
campaign directory is written before Tune hears back from us, at every step,
so it is what ``resume`` trusts; Tune just runs the trials of each launch.
"""

from __future__ import annotations

import logging
import os

from ray import tune
from ray.tune.execution.placement_groups import PlacementGroupFactory

from nas.campaign.engine import Campaign
from nas.campaign.progress import ProgressLine
from nas.campaign.stop_signals import StopSignals
from nas.campaign.trainable import TrialSettings, campaign_trainable
from nas.campaign.tune_searcher import CampaignSearcher


class _Progress(tune.Callback):
    """Ticks the progress line from Tune's event loop (trials may run for hours)."""

    def __init__(self, campaign: Campaign, progress: ProgressLine):
        self.campaign = campaign
        self.progress = progress

    def on_step_end(self, iteration, trials, **info):
        if self.campaign is not None:
            self.progress.tick(self.campaign)

    def __getstate__(self):
        """Tune pickles its run config into tuner.pkl; the live campaign stays out."""
        return {**self.__dict__, "campaign": None, "progress": None}


class _StopOnSignal(tune.Stopper):
    """Ends the experiment (stopping its trials) once SIGINT or SIGTERM asked the driver to stop."""

    def __init__(self, stop: StopSignals | None):
        self.stop = stop

    def __call__(self, trial_id, result) -> bool:
        return False

    def stop_all(self) -> bool:
        return self.stop is not None and self.stop.requested

    def __getstate__(self):
        return {"stop": None}  # Tune pickles its run config; the live flag stays out


def run_with_tune(campaign: Campaign, settings: TrialSettings, launch: str, progress: ProgressLine,
                  stop: StopSignals | None = None) -> None:
    """Runs trials until the campaign is done or stopped, or ``stop`` is requested."""
    config = campaign.config
    # The legacy output engine honours verbose=0; the new one prints a header
    # and paths anyway, which would interleave with the campaign's own lines.
    os.environ["RAY_AIR_NEW_OUTPUT"] = "0"
    # SIGINT takes the driver's one stop path (nas.campaign.stop_signals), through _StopOnSignal.
    os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = "1"
    trainable = tune.with_resources(
        tune.with_parameters(campaign_trainable, settings=settings),
        PlacementGroupFactory([config.trial_resources()]),
    )
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=CampaignSearcher(campaign),
            num_samples=-1,  # the searcher says when it is finished
            # The engine enforces concurrency too; this also lets Tune keep as
            # many trials pending (starting their workers) as may run at once.
            max_concurrent_trials=config.search.concurrency,
            reuse_actors=True,
            trial_name_creator=_trial_name,
            trial_dirname_creator=_trial_name,
        ),
        run_config=tune.RunConfig(
            name=launch,
            storage_path=str(campaign.dir.tune),
            # Trials never raise for their own failures (nas.campaign.trial),
            # so every error Tune sees is a lost worker or node: retry it.
            failure_config=tune.FailureConfig(max_failures=config.trial.infra_retries),
            verbose=0,
            stop=_StopOnSignal(stop),
            callbacks=[_Progress(campaign, progress)],
        ),
    )
    tune_log = logging.getLogger("ray.tune.tune")
    tune_log.addFilter(_no_restore_hint)
    try:
        tuner.fit()
    finally:
        tune_log.removeFilter(_no_restore_hint)


def _no_restore_hint(record: logging.LogRecord) -> bool:
    """Drops Tune's 'Resume experiment with: Tuner.restore(...)' after Ctrl-C: ``resume`` is the way on."""
    return "Tuner.restore(" not in record.getMessage()


def _trial_name(trial) -> str:
    rung = int(trial.config.get("rung", 0))  # a promotion is a Tune trial of its own
    return f"trial_{int(trial.config['trial']):05d}" + (f"_rung{rung}" if rung else "")
