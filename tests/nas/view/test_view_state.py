"""What the view reads from a campaign directory: trial states, progress, ETA; its server's routes and errors."""

import json
import threading
import urllib.error
import urllib.request

import pytest

from nas.campaign.directory import CampaignDir
from nas.cli import main
from nas.view.server import ViewServer
from nas.view.state import campaign_state
from tests.nas.view.view_helpers import fake_driver, make_campaign


def _states(state):
    return [(t["trial"], t["state"]) for t in state["trials"]]


def test_states_progress_and_eta_follow_the_driver(tmp_path):
    root = make_campaign(tmp_path / "c")
    state = campaign_state(CampaignDir(root))
    # No driver: what was under way is stopped (it runs again on resume), and there is no ETA.
    assert _states(state) == [(0, "finished"), (1, "finished"), (2, "finished"), (3, "stopped"), (4, "stopped")]
    assert (state["driver"], state["eta_seconds"], state["samples_finished"]) == ("not running", None, 3)
    driver = fake_driver(root)
    try:
        state = campaign_state(CampaignDir(root))
        launches = root / "launches.jsonl"  # the same driver, started before the finished samples ran
        launches.write_text(json.dumps({**json.loads(launches.read_text()), "time": 0.0}) + "\n")
        earlier = campaign_state(CampaignDir(root))
    finally:
        driver.kill()
        driver.wait()
    # Then their wall times (next to nothing for surrogate trials) stand for the trials still to run.
    assert 352 <= earlier["eta_seconds"] < 360
    assert _states(state)[3:] == [(3, "running"), (4, "starting")]
    running = state["trials"][3]
    assert (running["step"], running["stop_step"], running["steps_per_second"]) == (40, 744, 2.0)
    assert state["trials"][0]["madds"] == 1e9 and state["trials"][0]["reward"] > 0
    # No sample has finished since the driver started, so the running trial's projected total (704 steps
    # left at 2 steps/s: 352 s) stands for every trial: it, then the starting one and the one queued
    # (6 - 3 finished - 2 under way) on the two slots: 704 s, less the starting one's few seconds of age.
    assert state["driver"] == "running" and 690 <= state["eta_seconds"] <= 704


@pytest.fixture
def server(tmp_path):
    root = make_campaign(tmp_path / "c")
    view = ViewServer(CampaignDir(root), port=0)
    thread = threading.Thread(target=view.serve_forever, daemon=True)
    thread.start()
    yield view
    view.shutdown()
    view.server_close()


def _get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_the_server_gives_the_page_the_state_and_the_figures(server):
    assert server.url.startswith("http://127.0.0.1:")  # this machine only, by default
    status, kind, body = _get(server.url)
    assert status == 200 and kind.startswith("text/html") and b"const REFRESH_MS = 5000;" in body
    status, kind, body = _get(server.url + "api/state")
    assert kind == "application/json" and len(json.loads(body)["trials"]) == 5
    for name in ("rewards", "architectures", "pareto"):
        status, kind, body = _get(f"{server.url}plots/{name}.png?records=3")
        assert (status, kind, body[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")
    with pytest.raises(urllib.error.HTTPError) as missing:
        _get(server.url + "nothing")
    assert missing.value.code == 404
    missing.value.close()


def test_a_damaged_record_is_reported_and_the_server_keeps_serving(server):
    trials = server.directory.root / "trials.jsonl"
    kept = trials.read_bytes()
    trials.write_bytes(b'{"trial": "not a record"}\n' + kept)
    with pytest.raises(urllib.error.HTTPError) as damaged:
        _get(server.url + "api/state")
    assert damaged.value.code == 500 and "--repair" in json.loads(damaged.value.read())["error"]
    damaged.value.close()
    trials.write_bytes(kept)
    assert _get(server.url + "api/state")[0] == 200


def test_view_refuses_what_is_not_a_campaign_and_a_port_in_use(tmp_path, server, capsys):
    assert main(["view", str(tmp_path / "nowhere")]) == 2
    assert "is not a campaign directory" in capsys.readouterr().err
    port = server.server_address[1]
    assert main(["view", str(server.directory.root), "--port", str(port)]) == 2
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err
