"""The ``view`` subcommand of ``spinenet-nas``: serve the live view of a campaign until Ctrl-C."""

from __future__ import annotations

import argparse
import errno
import sys

from nas.campaign.directory import CampaignDir
from nas.overrides import ConfigError

DEFAULT_PORT = 8070


def add_parser(commands) -> None:
    view = commands.add_parser(
        "view", help="a local web page that shows a campaign live (trials, progress, rewards, architectures)",
        description="Serves a page that reads the campaign directory afresh every few seconds: each trial's "
                    "state, reward and step progress, the reward curve, the best architectures as block "
                    "graphs, and reward against cost with the Pareto front. It only reads the directory, so "
                    "it is safe beside a running `search` or `resume`.")
    view.add_argument("dir", help="the campaign directory")
    view.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 shares it)")
    view.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)")
    view.add_argument("--top", type=int, default=3, help="architectures drawn (default 3)")
    view.add_argument("--refresh", type=float, default=5.0, help="seconds between the page's reads (default 5)")
    view.set_defaults(run=cmd_view)


def cmd_view(args: argparse.Namespace) -> int:
    from nas.view.server import ViewServer

    directory = CampaignDir(args.dir)
    directory.read_meta()  # not a campaign: ConfigError names the directory and how to start one
    if args.top < 1 or args.refresh <= 0:
        raise ConfigError(f"--top {args.top} --refresh {args.refresh}: give at least 1 architecture and a "
                          "positive number of seconds")
    try:
        server = ViewServer(directory, args.host, args.port, top_k=args.top, refresh_s=args.refresh)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {args.port} on {args.host} is in use (another view?); "
                              "choose another with --port, or --port 0 for any free one") from err
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {err.strerror}; check --host") from err
    print(f"view of {directory.root} at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("view stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
