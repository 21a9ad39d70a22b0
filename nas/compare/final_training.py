"""Final trainings of the comparison: every member's architecture, once per seed, on Ray.

Each (member, seed) is one ``nas.campaign.trial.run_trial`` task, so final
trainings get what campaign trials get: a child process with a hard time
limit, failures recorded with cause and traceback, the campaign's resources
(GPU shares, TPUs) and any node of the cluster. Its outcome is written
atomically to ``DIR/final/<member>/seed<k>/final.json`` (the ``TrialOutcome``
with the member's name and spec); a finished ok one is
never run again, a failed one runs again on the next ``compare``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Sequence

from nas.campaign.config import CampaignConfig
from nas.campaign.trainable import CACHE_DIR, device_share, jax_environment
from nas.campaign.trial import TrialTask
from nas.compare.config import CompareConfig
from nas.compare.members import Member
from search_space.serialization import spec_to_dict
from search_space.spec import ArchitectureSpec
from storage.atomic_file import write_atomic
from storage.trial_record import TrialOutcome

OUTCOME_FILE = "final.json"


def outcome_path(root: Path, member: Member, seed: int) -> Path:
    return root / "final" / member.slug / f"seed{seed}" / OUTCOME_FILE


def read_outcomes(root: Path, member: Member, seeds: Sequence[int]) -> list[TrialOutcome]:
    """The finished final trainings of ``member`` (ok or failed), in seed order."""
    found = []
    for seed in seeds:
        path = outcome_path(root, member, seed)
        if path.is_file():
            found.append(TrialOutcome.from_dict(json.loads(path.read_text())))
    return found


def pending_tasks(root: Path, compare: CompareConfig, campaign: CampaignConfig,
                  architectures: dict[Member, ArchitectureSpec]) -> list[tuple[Member, TrialTask]]:
    """A task for every (member, seed) without an ok outcome on disk."""
    tasks = []
    for member, spec in architectures.items():
        for seed in compare.final_seeds:
            path = outcome_path(root, member, seed)
            if path.is_file() and TrialOutcome.from_dict(json.loads(path.read_text())).ok:
                continue
            tasks.append((member, TrialTask(
                trial=seed, spec=spec_to_dict(spec), workdir=str(path.parent), kind="proxy",
                proxy=compare.final_protocol(seed), seed=seed, time_limit_s=campaign.trial.time_limit_s,
                device_share=device_share(campaign), nice=campaign.trial.nice,
                env=tuple(sorted(jax_environment(campaign, root / CACHE_DIR).items())),
            )))
    return tasks


def run_final_trainings(root: Path, tasks: list[tuple[Member, TrialTask]], campaign: CampaignConfig,
                        on_done: Callable[[Member, TrialOutcome], None]) -> None:
    """Runs ``tasks`` on Ray with the campaign's per-trial resources; ``on_done`` after each."""
    import ray

    from nas.campaign.task_runner import remote_trial

    remote = remote_trial(campaign)
    running = {remote.remote(task): (member, task) for member, task in tasks}
    try:
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            member, task = running.pop(done[0])
            outcome = ray.get(done[0])
            saved = {**outcome.to_dict(), "member": member.name, "spec": task.spec}
            write_atomic(Path(task.workdir) / OUTCOME_FILE, json.dumps(saved, indent=2).encode())
            on_done(member, outcome)
    except KeyboardInterrupt:
        for ref in running:
            ray.cancel(ref, force=True)
        raise
