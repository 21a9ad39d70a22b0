"""The view's HTTP server: one page, its state as JSON, and its figures as PNGs.

Python's own ``http.server`` (a thread per request) is enough for one user on
one machine and adds no dependency; the page is static HTML with a few lines
of plain JavaScript that poll ``/api/state`` (no build step, nothing fetched
from outside, so it works offline). Every request reads the campaign
directory afresh and writes nothing, so the view can run beside a driver, on a
finished campaign or on a copy. It binds to 127.0.0.1 unless told otherwise:
a campaign's records are the user's, not the network's.

Routes: ``/`` the page; ``/api/state`` ``nas.view.state.campaign_state``;
``/plots/rewards.png``, ``/plots/architectures.png``, ``/plots/pareto.png``.
"""

from __future__ import annotations

import json
import math
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Callable
from urllib.parse import urlsplit

from nas.campaign.directory import CampaignDir
from nas.overrides import ConfigError
from nas.view import figures
from nas.view.state import campaign_state


class ViewServer(ThreadingHTTPServer):
    """Serves the view of the campaign in ``directory`` at ``(host, port)`` (port 0: any free port)."""

    daemon_threads = True  # a browser's open connection must not keep Ctrl-C from ending the server

    def __init__(self, directory: CampaignDir, host: str = "127.0.0.1", port: int = 0, top_k: int = 3,
                 refresh_s: float = 5.0, quiet: bool = True):
        self.directory, self.top_k, self.refresh_s, self.quiet = directory, top_k, refresh_s, quiet
        super().__init__((host, port), ViewHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


class ViewHandler(BaseHTTPRequestHandler):
    server: ViewServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        routes: dict[str, Callable[[], tuple[bytes, str]]] = {
            "/": self._page,
            "/api/state": self._state,
            "/plots/rewards.png": lambda: (figures.rewards_png(self._records()), "image/png"),
            "/plots/architectures.png": lambda: (figures.architectures_png(
                self._records(), self.server.directory.read_meta()["space"], self.server.top_k), "image/png"),
            "/plots/pareto.png": lambda: (figures.pareto_png(self._records()), "image/png"),
        }
        route = routes.get(urlsplit(self.path).path)
        if route is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found: the view serves /, /api/state and /plots/*.png\n",
                       "text/plain; charset=utf-8")
            return
        try:
            body, kind = route()
        except (ConfigError, OSError, ValueError) as err:  # a damaged or vanished file: say so, keep serving
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, json.dumps({"error": str(err)}).encode(), "application/json")
            return
        self._send(HTTPStatus.OK, body, kind)

    def _records(self) -> list[dict[str, Any]]:
        return self.server.directory.read_trials()

    def _page(self) -> tuple[bytes, str]:
        page = resources.files("nas.view").joinpath("page.html").read_text(encoding="utf-8")
        return page.replace("{{REFRESH_MS}}", str(int(self.server.refresh_s * 1000))).encode(), "text/html; charset=utf-8"

    def _state(self) -> tuple[bytes, str]:
        state = campaign_state(self.server.directory, top_k=self.server.top_k)
        return json.dumps(_finite(state)).encode(), "application/json"

    def _send(self, status: HTTPStatus, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # the campaign changes under the page
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        if not self.server.quiet:
            super().log_message(format, *args)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as None: JSON has no literal for them, browsers reject Python's."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
