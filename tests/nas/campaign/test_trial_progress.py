"""Reading a trial's progress from its progress.jsonl: step, rate, rung budget, torn lines; the driver's liveness."""

import json
import pickle

from nas.campaign.trial import TrialTask
from nas.campaign.trial_progress import driver_alive, read_progress
from tests.nas.campaign.campaign_helpers import driver_like_process


def _write(workdir, events, torn=b""):
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "progress.jsonl").write_bytes(b"".join(json.dumps(e).encode() + b"\n" for e in events) + torn)


def _train(step, elapsed, training=0, total=744, loss=1.0):
    return {"event": "train", "step": step, "total_steps": total, "loss": loss, "elapsed": elapsed,
            "training": training}


def test_the_latest_step_and_the_rate_over_the_last_intervals(tmp_path):
    workdir = tmp_path / "00007"
    assert read_progress(workdir) is None  # nothing yet
    _write(workdir, [{"event": "read", "step": 1}])
    assert read_progress(workdir) is None  # no training step yet
    # 20 steps every 10 s after a 60 s compile; a torn last line is being written.
    _write(workdir, [_train(20 * k, 50 + 10 * k, loss=2.0 - 0.1 * k) for k in range(1, 9)], torn=b'{"event": "tr')
    progress = read_progress(workdir)
    assert (progress.trial, progress.rung, progress.step, progress.stop_step) == (7, 0, 160, 744)
    assert progress.steps_per_second == 2.0 and progress.loss == 2.0 - 0.8
    assert progress.remaining_seconds == (744 - 160) / 2.0 and not progress.done
    assert progress.describe() == "trial 7: step 160/744, loss 1.2000, 2.00 steps/s, 130s in"


def test_a_second_training_starts_its_own_rate_and_done_ends_it(tmp_path):
    workdir = tmp_path / "00001"
    events = [_train(20, 30), _train(40, 40), _train(20, 500, training=1)]
    _write(workdir, events)
    progress = read_progress(workdir)
    assert progress.step == 20 and progress.steps_per_second is None and progress.remaining_seconds is None
    _write(workdir, [*events, _train(40, 505, training=1), {"event": "done"}])
    progress = read_progress(workdir)
    assert progress.steps_per_second == 4.0 and progress.done and progress.remaining_seconds == 0


def test_a_promotion_stops_at_its_rungs_budget(tmp_path):
    workdir = tmp_path / "00003"
    _write(workdir, [_train(200, 10), _train(220, 20)])
    task = TrialTask(trial=3, spec={}, workdir=str(workdir), kind="proxy", proxy=None, rung=1, budget=0.5)
    (workdir / "task.pkl").write_bytes(pickle.dumps(task))
    progress = read_progress(workdir)
    assert (progress.rung, progress.stop_step) == (1, 372)
    assert progress.describe().startswith("trial 3 (rung 1): step 220/372")


def test_the_driver_is_alive_while_its_process_runs():
    assert driver_alive([]) is False and driver_alive([{"launch": 0}]) is None  # no pid recorded: unknown
    child = driver_like_process()
    try:
        assert driver_alive([{"launch": 0, "pid": 1}, {"launch": 1, "pid": child.pid}])
    finally:
        child.kill()
        child.wait()
    assert not driver_alive([{"launch": 1, "pid": child.pid}])


def test_status_shows_the_trials_in_progress(tmp_path):
    from nas.campaign.directory import CampaignDir
    from nas.campaign.report import status_text

    from tests.nas.campaign.campaign_helpers import drive, new_campaign, surrogate_config

    campaign = new_campaign(tmp_path / "c", surrogate_config("search.num_trials=4"))
    drive(campaign, stop_after=2)
    campaign.dir.close()
    _write(tmp_path / "c" / "trials" / "00002", [_train(20, 30), _train(40, 40)])
    _write(tmp_path / "c" / "trials" / "00000", [_train(20, 30), {"event": "done"}])  # finished: not listed
    (tmp_path / "c" / "trials" / "00003").mkdir()
    (tmp_path / "c" / "trials" / "00003" / "task.pkl").write_bytes(b"")  # started, compiling
    text = status_text(CampaignDir(tmp_path / "c"))
    assert "stopped part-way (they run again on resume): 2 trial(s)\n  trial 2: step 40/744" in text
    assert "\n  trial 3: starting, no step yet" in text
    child = driver_like_process()
    try:
        CampaignDir(tmp_path / "c").record_launch("spinenet-nas search")
        launches = (tmp_path / "c" / "launches.jsonl")
        lines = launches.read_text().splitlines()
        launches.write_text("\n".join([*lines[:-1], json.dumps({**json.loads(lines[-1]), "pid": child.pid})]) + "\n")
        assert "running: 2 trial(s)\n  trial 2: step 40/744, loss 1.0000, 2.00 steps/s, 40s in" in status_text(
            CampaignDir(tmp_path / "c"))
    finally:
        child.kill()
        child.wait()


class _Terminal:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass

    def isatty(self):
        return True


def test_the_console_shows_a_line_per_running_trial_rewritten_in_place_on_a_terminal(tmp_path):
    import io

    from nas.campaign.progress import ProgressLine

    from tests.nas.campaign.campaign_helpers import new_campaign, surrogate_config

    campaign = new_campaign(tmp_path / "c", surrogate_config("search.num_trials=4", "search.concurrency=2"))
    first, second = campaign.next_proposal(), campaign.next_proposal()
    _write(tmp_path / "c" / "trials" / f"{first.id:05d}", [_train(20, 30), _train(40, 40)])
    (tmp_path / "c" / "trials" / f"{second.id:05d}").mkdir(parents=True)
    plain = io.StringIO()
    ProgressLine(60, plain).tick(campaign, force=True)
    lines = plain.getvalue().splitlines()
    assert lines[0].startswith("[search] 0/4 done") and "ETA" in lines[0]
    assert lines[1:] == [f"  trial {first.id}: step 40/744, loss 1.0000, 2.00 steps/s, 40s in",
                         f"  trial {second.id}: starting, no step yet"]
    terminal = _Terminal()
    line = ProgressLine(60, terminal)
    line.tick(campaign, force=True)
    line.tick(campaign, force=True)
    assert terminal.text.count("\x1b[2F\x1b[J") == 1  # the second tick rewrote the two trial lines
    assert "\x1b" not in plain.getvalue()
