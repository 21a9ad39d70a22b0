"""Runs a study's pending trials on Ray, one task per trial, and records each as it finishes.

Each trial is what a campaign trial is (``nas.campaign.trial.run_trial`` in a
Ray task with the study's resources: a child process, a hard time limit, a
failure recorded with its cause), with its fidelity's proxy config and its
seed. A record is appended (fsynced) as each trial finishes, so a kill -9 of
the driver loses at most the trials then running: the next start runs every
planned trial without a record. SIGINT or SIGTERM cancels the running trials
and ends the driver with the shell's status for the signal.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from nas.campaign.config import CampaignConfig
from nas.campaign.ray_connection import connect, disconnect, local_head_gone
from nas.campaign.stop_signals import POLL_S, StopSignals
from nas.campaign.trainable import TrialSettings
from nas.campaign.trial import TrialTask
from nas.study.directory import study_record
from nas.study.plan import PlannedTrial
from nas.study.reuse import reusable_records
from nas.study.study import Study
from proxy_task.runtime.host_cpu import host_cpu
from search_space.serialization import spec_to_dict

EXIT_OK, EXIT_INCOMPLETE = 0, 1


def campaign_config(study: Study, fidelity: str, seed: int) -> CampaignConfig:
    """The campaign config one trial of the study would have: the study's resources and trial settings."""
    config = study.config
    return CampaignConfig(preset=config.preset, resources=config.resources, trial=config.trial,
                          proxy=config.proxy_config(fidelity, seed))


def trial_task(study: Study, planned: PlannedTrial) -> TrialTask:
    settings = TrialSettings.from_config(campaign_config(study, planned.fidelity, planned.seed),
                                         str(study.dir.root / "trials"))
    return settings.task(planned.trial, spec_to_dict(study.architectures[planned.architecture].spec))


def run_study(study: Study, address: str | None = None, command: str = "", resume: str = "") -> int:
    """Runs every pending trial; returns 0 when all are recorded, a signal's status when stopped.

    ``resume``: the command that goes on after a stop (default ``spinenet-nas proxy-study --dir DIR``).
    """
    import ray

    from nas.campaign.task_runner import remote_trial

    directory = study.dir
    directory.lock()
    host = host_cpu()
    directory.launches.append({"launch": len(directory.launches.read()), "command": command, "time": time.time(),
                               "address": address, "pid": os.getpid(), "host": host})
    pending = study.pending
    taken = reusable_records(study, host, [Path(path) for path in study.config.reuse])
    for record in taken:
        directory.trials.append(record)
    if taken:
        print(f"study {directory.root}: {len(taken)} trials reuse the same trainings of "
              f"{', '.join(sorted({r['reused_from']['study'] for r in taken}))}", flush=True)
        reused = {r["trial"] for r in taken}
        pending = [t for t in pending if t.trial not in reused]
    print(f"study {directory.root}: {len(study.architectures)} architectures x {len(study.config.fidelities)} "
          f"fidelities, {len(study.trials)} trials; {len(study.trials) - len(pending)} done, "
          f"{len(pending)} to run", flush=True)
    if not pending:
        directory.close()
        return EXIT_OK
    base = campaign_config(study, pending[0].fidelity, pending[0].seed)
    started = connect(address, base)
    resume = resume or f"spinenet-nas proxy-study --dir {directory.root}"
    farewell = f"The records are consistent; the trials left run with: {resume}"
    try:
        on_stop = f"The records stay consistent: `{resume}` runs the rest."
        with StopSignals(farewell=farewell, hopeless=local_head_gone, on_stop=on_stop) as stop:
            remote = remote_trial(base)
            running = {remote.remote(trial_task(study, planned)): planned for planned in pending}
            lost = 0
            while running and not stop.requested:
                done, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
                for ref in done:
                    lost += not _collect(study, running.pop(ref), ref)
            for ref in running:
                ray.cancel(ref, force=True)
    finally:
        directory.close()
        disconnect(started)
    if stop.requested:
        print(f"study interrupted ({stop.name}); {len(running)} trials cancelled, they run again with: {resume}",
              file=sys.stderr)
        return stop.exit_status
    if lost:
        print(f"{lost} trials were lost with their Ray workers after every retry; they run again with: {resume}",
              file=sys.stderr)
        return EXIT_INCOMPLETE
    return EXIT_OK


def _collect(study: Study, planned: PlannedTrial, ref) -> bool:
    """Records a finished trial; False for one lost with its worker (it stays pending)."""
    import ray
    from ray.exceptions import RayError, RayTaskError

    try:
        outcome = ray.get(ref)
    except RayTaskError:
        raise  # run_trial never raises for a trial's own failure: this is a bug
    except RayError as err:
        print(f"[study] trial {planned.trial} was lost: {type(err).__name__}", file=sys.stderr, flush=True)
        return False
    study.dir.trials.append(study_record(planned, study.architectures[planned.architecture], outcome))
    result = f"reward {outcome.reward:.4f}" if outcome.ok else f"failed ({outcome.cause}): {outcome.error}"
    print(f"[study] trial {planned.trial}: {planned.architecture} at {planned.fidelity}, seed {planned.seed}: "
          f"{result} ({outcome.wall_seconds:.0f}s)", flush=True)
    return True
