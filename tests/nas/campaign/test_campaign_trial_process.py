"""A proxy trial's child process: its failures come back with their cause, its time limit holds."""

import time

from nas.campaign import config_loading as campaign_config
from nas.campaign.trainable import TrialSettings, jax_environment
from nas.campaign.trial import run_trial
from search_space.serialization import spec_to_dict
from search_space.builtins import SPINENET_49
from storage.trial_record import Cause, Status


def _task(tmp_path, *assignments, spec=None):
    config = campaign_config.resolve(["preset=smoke", f"proxy.data.data_dir={tmp_path / 'tfds'}", *assignments])
    return TrialSettings.from_config(config, str(tmp_path / "trials")).task(3, spec or spec_to_dict(SPINENET_49))


def test_an_exception_in_the_child_is_recorded_with_its_traceback(tmp_path):
    spec = spec_to_dict(SPINENET_49)
    spec["blocks"][0]["parents"] = [0, 9]  # not an earlier block: SpecError in the child
    outcome = run_trial(_task(tmp_path, "trial.nice=17", spec=spec))
    assert outcome.status is Status.FAILED and outcome.cause is Cause.ERROR
    assert outcome.error.startswith("SpecError:") and "parent 9" in outcome.error
    assert "Traceback" in outcome.traceback and "train_and_evaluate" in outcome.traceback
    assert " at nice 17\n" in (tmp_path / "trials" / "00003" / "trial.log").read_text()  # trial.nice, applied


def test_a_trial_run_again_keeps_each_attempts_progress_apart(tmp_path):
    workdir = tmp_path / "trials" / "00003"
    workdir.mkdir(parents=True)
    killed = '{"step": 40, "loss": 1.5}\n'
    (workdir / "progress.jsonl").write_text(killed)  # the attempt a kill -9 of the driver cut short
    spec = spec_to_dict(SPINENET_49)
    spec["blocks"][0]["parents"] = [0, 9]  # fails at once in the child, after opening progress.jsonl
    for _ in range(2):
        assert run_trial(_task(tmp_path, spec=spec)).cause is Cause.ERROR
    assert (workdir / "progress.attempt-1.jsonl").read_text() == killed
    assert (workdir / "progress.attempt-2.jsonl").read_text() == ""
    assert (workdir / "progress.jsonl").read_text() == ""
    log = (workdir / "trial.log").read_text()
    assert "=== trial 3, attempt 2 at" in log and "=== trial 3, attempt 3 at" in log


def test_a_trial_past_its_time_limit_is_killed(tmp_path):
    start = time.monotonic()
    outcome = run_trial(_task(tmp_path, "trial.time_limit_s=2"))
    assert outcome.status is Status.FAILED and outcome.cause is Cause.TIMEOUT
    assert "time_limit_s=2" in outcome.error
    assert time.monotonic() - start < 20


def test_trials_sharing_a_gpu_get_jax_memory_settings():
    shared = campaign_config.resolve(["resources.gpus=0.25"])
    assert jax_environment(shared)["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    assert jax_environment(shared)["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.225"
    assert "XLA_PYTHON_CLIENT_MEM_FRACTION" not in jax_environment(campaign_config.resolve(["resources.gpus=1"]))
    assert jax_environment(campaign_config.resolve([]))["JAX_PLATFORMS"] == "cpu"


def test_trials_share_a_compilation_cache_unless_the_environment_names_one(tmp_path, monkeypatch):
    config = campaign_config.resolve(["trial.compilation_cache_gb=0.5"])
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    env = jax_environment(config, tmp_path / "xla-cache")
    assert env["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "xla-cache")
    assert env["JAX_COMPILATION_CACHE_MAX_SIZE"] == str(2 ** 29)
    off = campaign_config.resolve(["trial.compilation_cache=false"])
    assert "JAX_COMPILATION_CACHE_DIR" not in jax_environment(off, tmp_path / "xla-cache")
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", "/shared/cache")  # the environment's cache wins
    assert "JAX_COMPILATION_CACHE_DIR" not in jax_environment(config, tmp_path / "xla-cache")
