"""The ``compare`` subcommand of ``spinenet-nas``."""

from __future__ import annotations

import argparse
import shlex
import sys

from nas.compare.config import PRESETS


def add_parser(commands) -> None:
    compare = commands.add_parser(
        "compare", help="the R[N]-SP[M] family under one protocol (paper Table 3)",
        description="A search campaign of equal budget in each member's space, then a final training of "
                    "each member's best architecture and of the references, over several seeds. Rerun "
                    "the same command to resume.")
    compare.add_argument("--preset", default="cpu", choices=sorted(PRESETS),
                         help="budget and protocol: smoke (minutes), cpu (default), paper")
    compare.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                         help="e.g. trials_per_space=8, final_seeds=[0,1], spec_files=[\"best.json\"], "
                              "campaign.search.searcher=evolution (campaign.* keys configure every campaign)")
    compare.add_argument("--dir", default="runs/compare", help="comparison directory (default runs/compare)")
    compare.add_argument("--address", help="Ray cluster to join (e.g. auto); default: a local Ray")
    compare.set_defaults(run=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from nas.compare.config import resolve
    from nas.compare.runner import run_comparison

    comparison = resolve(args.set, preset=args.preset)  # every key checked before anything runs
    command = "spinenet-nas " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else ""
    return run_comparison(comparison, args.dir, address=args.address, command=command)
