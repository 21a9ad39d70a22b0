"""An --address where something accepts connections but no Ray cluster answers: refused within the timeout."""

import os
import socket
import subprocess
import sys
import threading
import time

from tests.paths import REPO


def _listener() -> socket.socket:
    """A port that accepts every connection and never says a word (not Ray's GCS)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:  # closed
                return

    threading.Thread(target=accept, daemon=True).start()
    return server


def test_a_port_that_is_not_ray_is_refused_after_the_connect_timeout(tmp_path):
    server = _listener()
    address = f"127.0.0.1:{server.getsockname()[1]}"
    began = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "nas.cli", "search", "--dir", str(tmp_path / "campaign"), "--address", address,
             "--set", "trial.kind=surrogate", "--set", "resources.connect_timeout_s=3"],
            capture_output=True, text=True, timeout=120, cwd=REPO, env={**os.environ})
    finally:
        server.close()
    took = time.monotonic() - began
    assert result.returncode == 2, result.stderr
    assert (f"could not join the Ray cluster at '{address}': no Ray cluster answered within 3 s "
            f"(resources.connect_timeout_s") in result.stderr
    assert took < 60 and not (tmp_path / "campaign").exists()
