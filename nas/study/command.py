"""The ``proxy-study`` subcommand of ``spinenet-nas``: start a study, or continue the one in ``--dir``."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

from nas.overrides import ConfigError, apply_overrides

# Study presets: (study keys, as --set would give them). smoke: 4 trainings, minutes on 2 cores (its
# rewards are near 0: it exercises the machinery, not the proxy; its one candidate is the target read
# half-way, so it trains no fidelity of its own); cpu: about 3 hours on 2 cores; noise: where the
# cpu proxy's noise comes from (docs/proxy-studies.md), 15 trials of the cpu preset, about 1.5 hours.
PRESETS = {
    "smoke": ["preset=smoke", "architectures=1", "rerun_architectures=1", "reruns=2",
              "target=[\"train.epochs=2\"]", "proxies={}", "reads=[0.5]"],
    # cpu: the `cpu` proxy itself (12 epochs) is the target; 15 architectures (the 3 named first, each
    # also under 2 more seeds); candidates: the target read at 1/2 and 3/4 of its steps, and a 6-epoch
    # schedule. 42 trainings, about 3 hours of a 2-core machine.
    "cpu": ["preset=cpu", "architectures=12", "pool=64", "rerun_architectures=3", "reruns=3",
            "named=[\"spinenet-49\", \"r50-fpn\", \"benchmarks/specs/single_level_l5.json\"]",
            "target=[]", "reads=[0.5, 0.75]", "proxies={\"epochs-6\": [\"train.epochs=6\"]}"],
    # Every trial reads both the moving average's AP (the reward) and the final weights' (AP_final); reruns
    # vary both seeds (target), only the initialisation (data seed pinned) or only the data order.
    "noise": ["preset=cpu", "architectures=0", "named=[\"spinenet-49\", \"r50-fpn\"]", "rerun_architectures=1",
              "reruns=4", "common=[\"train.ema_decay=0.99\"]", "target=[]",
              "proxies={\"init-only\": [\"data.seed=100\"], \"data-only\": [\"train.seed=100\"]}"],
}
# What a resumed study may change: the machines, not what its trials measure.
RESUMABLE = ("resources.", "trial.time_limit_s", "trial.infra_retries", "trial.nice")


def add_parser(commands) -> None:
    study = commands.add_parser(
        "proxy-study", help="does a cheap proxy rank architectures like a costlier target? (tau, rho, CV)",
        description="Trains spread architectures under a target config and candidate proxy configs, some "
                    "under several seeds, and reports Kendall tau and Spearman rho against the target with "
                    "bootstrap intervals, the reward's CV over seeds, and the cheapest candidate that passes. "
                    "Rerun the same command to resume.")
    study.add_argument("--preset", default="smoke", choices=sorted(PRESETS),
                       help="smoke (minutes, default), cpu (about 3 hours on 2 cores) or noise (where the "
                            "cpu proxy's noise comes from, about 1.5 hours)")
    study.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help='e.g. architectures=12, named=["spinenet-49","r50-fpn"], target=["train.epochs=24"], common=["data.data_dir=/data"], '
                            'proxies={"e3": ["train.epochs=3"]}, min_tau=0.7, resources.cpus=2')
    study.add_argument("--dir", default="runs/proxy-study", help="study directory (default runs/proxy-study)")
    study.add_argument("--address", help="Ray cluster to join (e.g. auto); default: a local Ray")
    study.add_argument("--retry-failed", action="store_true",
                       help="run the study's failed trials again (their records move to DIR/trials.retried.jsonl)")
    study.set_defaults(run=cmd_proxy_study)


def resolve(assignments: list[str], preset: str):
    """The study config of ``preset`` with ``assignments`` on top, every key and value checked."""
    from nas.study.config import StudyConfig

    return apply_overrides(StudyConfig(), [*PRESETS[preset], *assignments])


def cmd_proxy_study(args: argparse.Namespace) -> int:
    from nas.study.directory import StudyDir
    from nas.study.report import write_report
    from nas.study.runner import run_study
    from nas.study.study import create_study, load_study

    command = "spinenet-nas " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else ""
    if args.retry_failed:
        directory = StudyDir(args.dir)
        if not directory.exists:
            raise ConfigError(f"--retry-failed: {args.dir} holds no study yet; start one without the flag")
        directory.lock()
        retried = directory.retry_failed()
        directory.close()
        print(f"[study] trials {retried} failed before and run again; their records are in "
              f"{directory.retried}" if retried else "[study] no failed trial to run again")
    if StudyDir(args.dir).exists:
        study = load_study(args.dir)
        fixed = [a for a in args.set if not a.partition("=")[0].strip().startswith(RESUMABLE)]
        if fixed:
            raise ConfigError(f"{args.dir} holds a study whose plan is fixed; a resume may change only "
                              f"{', '.join(RESUMABLE)}, not {fixed}")
        study = dataclasses.replace(study, config=apply_overrides(study.config, args.set))
    else:
        study = create_study(resolve(args.set, args.preset), args.dir, command)
    status = run_study(study, args.address, command)
    print(write_report(Path(args.dir), command))
    return status
