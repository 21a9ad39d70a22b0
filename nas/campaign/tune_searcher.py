"""The campaign's searcher as a Ray Tune ``Searcher``.

Ray Tune asks ``suggest(trial_id)`` for a trial's config and reports
``on_trial_complete``; both go to the campaign engine, which owns the
controller, the records and the sync/async policy. The config handed to a
trial is only its proposal (id, decisions, spec); the campaign-wide settings
travel once, through ``tune.with_parameters``.

Ray Tune's own search-state snapshot (``save``/``restore``) is not used for
resuming: the campaign directory is (see ``nas.campaign.launch``).
"""

from __future__ import annotations

import json
from typing import Any

from ray.tune.search import Searcher

from nas.campaign.engine import FINISHED, Campaign
from search_space.serialization import spec_to_dict
from storage.trial_record import TrialOutcome


class CampaignSearcher(Searcher):
    """Adapts ``nas.campaign.engine.Campaign`` to Ray Tune's searcher interface."""

    def __init__(self, campaign: Campaign):
        super().__init__(metric="reward", mode="max")
        self.campaign = campaign
        self._proposal_of: dict[str, int] = {}  # Tune trial id -> proposal id

    def suggest(self, trial_id: str) -> dict[str, Any] | str | None:
        try:
            proposal = self.campaign.next_proposal()
        except Exception as error:  # Tune would log it and go on; the campaign must stop
            self.campaign.fail(error)
            return Searcher.FINISHED
        if proposal is None:
            return None
        if proposal == FINISHED:
            return Searcher.FINISHED
        self._proposal_of[trial_id] = proposal.id
        return {"trial": proposal.id, "decisions": list(proposal.decisions), "spec": spec_to_dict(proposal.spec),
                "rung": self.campaign.rung_of(proposal.id)}

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        try:
            self._complete(trial_id, result, error)
        except Exception as failure:
            self.campaign.fail(failure)

    def _complete(self, trial_id: str, result: dict | None, error: bool) -> None:
        proposal_id = self._proposal_of.pop(trial_id, None)
        if proposal_id is None:
            return
        if error:  # only infrastructure errors reach Tune, after FailureConfig's retries
            self.campaign.lost(proposal_id, "the trial's Ray worker or node failed")
        elif result and "outcome" in result:
            self.campaign.complete(proposal_id, TrialOutcome.from_dict(json.loads(result["outcome"])))
        else:  # stopped before it reported: an interruption
            self.campaign.abandon(proposal_id)

    def __getstate__(self) -> dict[str, Any]:
        """Tune pickles its searcher into tuner.pkl; the campaign (files, controller) stays out."""
        return {**self.__dict__, "campaign": None, "_proposal_of": {}}

    def save(self, checkpoint_path: str) -> None:
        """Nothing: the campaign directory is the searcher's checkpoint."""

    def restore(self, checkpoint_path: str) -> None:
        """Nothing: ``nas.campaign.recovery`` restores from the campaign directory."""
