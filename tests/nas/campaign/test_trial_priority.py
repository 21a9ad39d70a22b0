"""trial.nice: validated, carried to every proxy trial's task, and applied by the training process itself."""

import os
import subprocess
import sys

import pytest

from nas.campaign import config_loading
from nas.campaign.trainable import TrialSettings
from nas.overrides import ConfigError


def test_the_default_is_rays_15_and_out_of_range_is_refused():
    assert config_loading.resolve([]).trial.nice == 15
    with pytest.raises(ConfigError, match=r"trial.nice=20: use 0 \(as other programs\) to 19"):
        config_loading.resolve(["trial.nice=20"])
    config_loading.check_resume_overrides(["trial.nice=10"])  # a machine matter: resume may change it


def test_every_trial_task_carries_it(tmp_path):
    settings = TrialSettings.from_config(config_loading.resolve(["trial.nice=7"]), str(tmp_path))
    assert settings.task(3, {}).nice == 7


@pytest.mark.parametrize("nice", [17, 19])
def test_the_training_process_sets_its_own_priority(nice):
    """In a fresh process, as the trial's child: the priority it asks for, where it may go."""
    code = ("import os; from nas.campaign.trial_process import set_priority; "
            f"note = set_priority({nice}); print(os.getpriority(os.PRIO_PROCESS, 0), note)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(max(nice, os.getpriority(os.PRIO_PROCESS, 0))), "None"]


def test_a_priority_it_may_not_take_is_a_note_not_a_failure(monkeypatch):
    """Below the worker's niceness without the privilege (the kernel's EPERM): the trial stays and says why."""
    from nas.campaign import trial_process

    def refuse(which, who, value):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(trial_process.os, "getpriority", lambda which, who: 15)
    monkeypatch.setattr(trial_process.os, "setpriority", refuse)
    note = trial_process.set_priority(0)
    assert "trial.nice=0 is below this worker's 15" in note and "the trial runs at nice 15" in note
