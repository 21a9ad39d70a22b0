"""The ``search-study`` subcommand of ``spinenet-nas``: start a search study, or continue the one in ``--dir``."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from nas.overrides import apply_overrides

# Presets (study keys, as --set would give them). surrogate: seconds, the machinery on the synthetic
# surrogate reward (its device-seconds are ~0, so max_trials ends each campaign). cpu: the cpu proxy with
# rungs at half and full budget (the proxy study ranks the half-way read of the cpu preset at tau 0.8 or
# more: results/reports/proxy-study-cpu/), 3 searchers x 2 seeds at 1 device-hour each (about 9 samples
# and 3 promotions), 2 winners each retrained under 3 seeds, taking the proxy study's identical
# trainings of the references: about 8 hours on a 2-core machine.
PRESETS = {
    "surrogate": ["campaign=[\"trial.kind=surrogate\", \"search.mode=async\", \"search.fidelity=[0.5,1]\", "
                  "\"search.eta=2\", \"output.tensorboard=false\", \"trial.dispatch=tasks\"]",
                  "max_trials=24", "references=[\"spinenet-49\"]"],
    "cpu": ["campaign=[\"preset=cpu\", \"search.mode=async\", \"search.concurrency=2\", "
            "\"search.fidelity=[0.5,1]\", \"search.eta=3\"]",
            "device_hours=1", "max_trials=200", "top_k=2", "retrain_seeds=3",
            "reuse=[\"results/studies/proxy-study-cpu\"]"],
}


def add_parser(commands) -> None:
    study = commands.add_parser(
        "search-study", help="searchers against each other at equal device-hours, winners retrained",
        description="Runs a campaign per searcher and seed to the same device-hour budget, retrains each "
                    "campaign's best architectures under several seeds beside reference architectures, and "
                    "reports each searcher's retrained score with bootstrap intervals and reward-against-"
                    "device-hours curves. Rerun the same command (with --dir) to resume.")
    study.add_argument("--preset", choices=sorted(PRESETS), help="surrogate (seconds) or cpu (hours on 2 cores); "
                       "default surrogate for a new study")
    study.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help='e.g. device_hours=1, seeds=[0,1,2], searchers=["reinforce","random"], top_k=1')
    study.add_argument("--dir", default="runs/search-study", help="study directory (default runs/search-study)")
    study.add_argument("--address", help="Ray cluster to join (e.g. auto); default: a local Ray")
    study.set_defaults(run=cmd_search_study)


def cmd_search_study(args: argparse.Namespace) -> int:
    from nas.search_study.config import SearchStudyConfig
    from nas.search_study.report import write_report
    from nas.search_study.runner import run_search_study, study_file

    command = "spinenet-nas " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else ""
    config = None
    if not study_file(Path(args.dir).absolute()).exists() or args.preset or args.set:
        config = apply_overrides(SearchStudyConfig(), [*PRESETS[args.preset or "surrogate"], *args.set])
    status = run_search_study(config, args.dir, args.address, command)
    print(write_report(args.dir, command))
    return status
