"""SIGINT and SIGTERM take one stop path (nas.campaign.stop_signals): a flag, a second signal, a grace period."""

import os
import signal
import subprocess
import sys
import time

import pytest

from nas.campaign.stop_signals import StopSignals

from tests.nas.campaign.campaign_helpers import REPO


def _signal_self(number: int, stop: StopSignals) -> None:
    os.kill(os.getpid(), number)
    deadline = time.monotonic() + 5
    while not stop.requested and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize("number, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_only_asks_for_a_stop_and_the_handlers_come_back(number, status):
    before = signal.getsignal(number)
    with StopSignals() as stop:
        _signal_self(number, stop)  # no KeyboardInterrupt, no exit: a flag
        assert stop.requested and stop.exit_status == status
    assert signal.getsignal(number) is before


def _child(body: str, **popen) -> subprocess.Popen:
    script = ("import os, signal, sys, time\nfrom nas.campaign.stop_signals import StopSignals\n" + body)
    return subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def test_a_second_signal_ends_the_process_at_once():
    child = _child("with StopSignals() as stop:\n"
                   "    os.kill(os.getpid(), signal.SIGTERM)\n"
                   "    while not stop.requested: time.sleep(0.01)\n"
                   "    print('stopping', flush=True)\n"
                   "    os.kill(os.getpid(), signal.SIGINT)\n"
                   "    time.sleep(30)\n"
                   "print('not reached', flush=True)\n")
    out, _ = child.communicate(timeout=20)
    assert child.returncode == 143 and out == "stopping\n"  # the first signal's status


def test_a_stop_past_its_grace_period_ends_the_process_with_the_farewell():
    child = _child("with StopSignals(farewell='resume with: X', grace_s=1) as stop:\n"
                   "    os.kill(os.getpid(), signal.SIGTERM)\n"
                   "    time.sleep(30)  # a stop that hangs (a Ray cluster killed by the same signal)\n")
    began = time.monotonic()
    _, err = child.communicate(timeout=20)
    assert child.returncode == 143 and time.monotonic() - began < 10
    assert "stopping took over 1 s" in err and "resume with: X" in err


def test_sigint_ignored_at_start_stays_ignored_and_is_reported():
    child = _child("with StopSignals() as stop:\n"
                   "    print(stop.ignored_at_start, flush=True)\n"
                   "    os.kill(os.getpid(), signal.SIGINT)\n"
                   "    time.sleep(0.3)\n"
                   "    print(stop.requested, flush=True)\n",
                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # as `cmd &` starts it
    out, _ = child.communicate(timeout=20)
    assert child.returncode == 0 and out.split() == ["True", "False"]


def test_the_first_signal_prints_what_the_stop_does_at_once():
    child = _child("with StopSignals(on_stop='resume with: X') as stop:\n"
                   "    os.kill(os.getpid(), signal.SIGTERM)\n"
                   "    time.sleep(1)\n"
                   "    print('stopped', flush=True)\n")
    out, err = child.communicate(timeout=20)
    assert child.returncode == 0 and out == "stopped\n"  # the stop itself is the caller's
    assert err == "SIGTERM: stopping the running trials (a second signal ends the driver at once). resume with: X\n"


def test_a_hopeless_stop_ends_the_process_at_once_with_the_farewell():
    # Ray ends a driver whose raylet died at its next call to it: the watcher must end it first.
    child = _child("with StopSignals(farewell='resume with: X', hopeless=lambda: True) as stop:\n"
                   "    print(time.time(), flush=True)\n"
                   "    os.kill(os.getpid(), signal.SIGTERM)\n"
                   "    time.sleep(30)\n")
    out, err = child.communicate(timeout=20)
    assert child.returncode == 143 and time.time() - float(out) < 0.5
    assert "the local Ray cluster was stopped too: ending now. resume with: X" in err
