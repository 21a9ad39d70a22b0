"""The ``spinenet-nas`` command line.

Each command parses its flags and calls the library; errors in user input
(a bad spec, an unknown variant) are printed with their fix and exit with 2.
"""

from __future__ import annotations

import argparse
import sys

from nas.compare.command import add_parser as add_compare_parser
from nas.study.command import add_parser as add_study_parser
from nas.search_study.command import add_parser as add_search_study_parser
from nas.tf_import_command import add_parser as add_import_tf_parser
from nas.view.command import add_parser as add_view_parser
from nas.output_dirs import check_output_dir
from nas.overrides import ConfigError
from proxy_task.runtime.host_allocator import reexecute_with_allocator
from search_space.builtins import default_variant, get_builtin, implied_variant
from search_space.errors import SpecError
from search_space.scaling import SCALINGS, get_scaling
from search_space.serialization import load_spec_file
from search_space.spec import ArchitectureSpec
from storage.trial_record import AP_METRICS, is_reading

EXIT_USAGE = 2
TF_COCO_CLASSES = 91  # TF Model Garden's heads predict 91 channels for COCO's 80 classes
EXIT_FAILURE = 1


def positive_count(text: str) -> int:
    """An argparse type: an integer >= 1 (classes, architectures listed or exported)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a count; use 1 or more")
    return value


def load_spec(name_or_path: str) -> ArchitectureSpec:
    """A built-in name (``spinenet-49``, ``r50-fpn``...) or a spec file (.json or .py tuples)."""
    if name_or_path.endswith((".json", ".py", ".txt")) or "/" in name_or_path:
        return load_spec_file(name_or_path)
    return get_builtin(name_or_path)


def cmd_describe(args: argparse.Namespace) -> int:
    from nas.campaign.model_setup import model_beside
    from results.describe import describe

    spec = load_spec(args.spec)
    beside = model_beside(args.spec) if "/" in args.spec or args.spec.endswith((".json", ".py")) else None
    variant = args.variant or implied_variant(args.spec) or default_variant(spec)
    scaling, num_classes = get_scaling(variant), args.num_classes or TF_COCO_CLASSES
    if beside is not None and args.variant is None:
        path, setup = beside
        variant, scaling = setup.label, setup.scaling
        num_classes = args.num_classes or setup.num_classes
        print(f"the model as its campaign trained it ({path}): {setup.label}, {setup.num_classes} classes of "
              f"{setup.dataset}; --variant, --input-size and --num-classes override")
    if args.input_size is not None:
        scaling = scaling.replace(input_size=args.input_size)
    print(describe(spec, scaling, variant, num_classes))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import json

    from nas.overrides import apply_overrides
    from proxy_task.config import get_preset
    from proxy_task.train import train_and_evaluate

    spec = load_spec(args.spec)
    config = apply_overrides(get_preset(args.preset), args.set or [])
    check_output_dir(args.workdir, "--workdir")
    variant = implied_variant(args.spec)
    if variant not in (None, "49", "49-mobile"):
        print(f"note: {args.spec} is {spec.name}'s blocks; the preset's scaling is used", file=sys.stderr)

    def report(event: dict) -> None:
        if event["event"] == "train":
            print(f"step {event['step']}/{event['total_steps']}  loss {event['loss']:.4f}  "
                  f"({event['elapsed']:.0f}s)", flush=True)
        elif event["event"] == "read":
            print(f"step {event['step']}  {event['name']} {event['value']:.4f}", flush=True)

    result = train_and_evaluate(spec, config, args.workdir, report)
    ap = result.ap
    print("  ".join(f"{key} {value:.4f}" for key, value in ap.items() if key in AP_METRICS or is_reading(key)))
    print(f"params {result.params:,}  FLOPs {result.madds / 1e9:.2f} B  train {result.train_seconds:.0f}s  "
          f"{result.images_per_second:.1f} images/s  device {result.device}  host allocator {result.host_allocator}")
    print(json.dumps({"result": str(args.workdir) + "/result.json"}))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    import time

    from nas.campaign import config_loading as campaign_config
    from nas.campaign.launch import search

    config = campaign_config.resolve(args.set or [], args.config)  # every key checked before anything starts
    root = args.dir or time.strftime("runs/search-%Y%m%d-%H%M%S")
    return search(config, root, args.address, command=" ".join(sys.argv))


def cmd_resume(args: argparse.Namespace) -> int:
    from nas.campaign.launch import resume

    return resume(args.dir, args.set or [], args.address, command=" ".join(sys.argv), repair=args.repair)


def cmd_status(args: argparse.Namespace) -> int:
    from nas.campaign.directory import CampaignDir
    from nas.campaign.report import status_text, write_plots
    from nas.study.directory import StudyDir

    if StudyDir(args.dir).exists:  # a proxy study: its table so far
        from nas.study.report import status_text as study_status
        from nas.study.study import load_study

        from nas.campaign.trial_progress import running_lines

        study = load_study(args.dir)
        print("\n".join([study_status(study), *running_lines(study.dir.root / "trials", study.dir.launches.read())]))
        return 0
    directory = CampaignDir(args.dir)
    print(status_text(directory, args.top))
    if not args.no_plots:
        try:
            paths = write_plots(directory, min(args.top, 3))
        except OSError as err:  # a read-only campaign directory, say: the status above still stands
            print(f"plots skipped: {err}", file=sys.stderr)
            return 0
        for path in paths:
            print(f"plot: {path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from nas.campaign.directory import CampaignDir
    from nas.campaign.export import export_top
    from nas.campaign.launch import load_config
    from nas.campaign.model_setup import campaign_model

    directory = CampaignDir(args.dir)
    space = directory.read_meta()["space"]
    formats = [args.format] if args.format else ["json", "python", "tf"]
    out = check_output_dir(args.out, "--out") if args.out else directory.export
    written, notes = export_top(directory.read_trials(), out, space, args.top, formats, get_scaling(args.variant),
                                any_budget=args.any_budget, model=campaign_model(load_config(directory)))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if not written:
        print("nothing exported: no trial has succeeded yet" if not notes else "nothing exported", file=sys.stderr)
        return EXIT_FAILURE
    for path in written:
        print(path)
    return 0


def _add_campaign_commands(commands) -> None:
    search = commands.add_parser("search", help="run a search campaign on Ray Tune (default: a small real one)")
    search.add_argument("--config", help="a JSON or TOML file of campaign keys (nested or dotted)")
    search.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override, e.g. search.num_trials=8, preset=smoke, resources.gpus=0.5")
    search.add_argument("--address", help="join this Ray cluster ('auto', 'HOST:6379', 'ray://HOST:10001'); "
                                          "default: start Ray on this machine")
    search.add_argument("--dir", help="the campaign directory (default runs/search-DATE-TIME)")
    search.set_defaults(run=cmd_search)
    resume = commands.add_parser("resume", help="continue a campaign after a crash, kill or Ctrl-C")
    resume.add_argument("dir", help="the campaign directory")
    resume.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="change the budget or machines, e.g. search.max_failures=10, search.num_trials=40")
    resume.add_argument("--address", help="join this Ray cluster (default: start Ray on this machine)")
    resume.add_argument("--repair", action="store_true",
                        help="move damaged lines of trials.jsonl and proposals.jsonl to <file>.quarantine, "
                             "then run the trials they held again")
    resume.set_defaults(run=cmd_resume)
    status = commands.add_parser("status", help="progress, best so far, failures and cost; writes plots")
    status.add_argument("dir", help="the campaign directory")
    status.add_argument("--top", type=positive_count, default=5, help="architectures listed (default 5)")
    status.add_argument("--no-plots", action="store_true", help="do not write DIR/plots/*.png")
    status.set_defaults(run=cmd_status)
    export = commands.add_parser("export", help="write the best architectures as JSON, Python or TF block specs")
    export.add_argument("dir", help="the campaign directory")
    export.add_argument("--top", type=positive_count, default=1, help="how many distinct architectures (default 1)")
    export.add_argument("--format", choices=["json", "python", "tf"], help="one format (default: all three)")
    export.add_argument("--variant", default="49", help=f"scaling written by --format tf: one of {sorted(SCALINGS)}")
    export.add_argument("--out", help="output folder (default DIR/export)")
    export.add_argument("--any-budget", action="store_true",
                        help="with multi-fidelity rungs: also trials stopped below the full budget "
                             "(the largest budget ranks first); default: full-budget trials only")
    export.set_defaults(run=cmd_export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spinenet-nas", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    describe = commands.add_parser("describe", help="block table, parameters and FLOPs of a spec")
    describe.add_argument("spec", help="built-in name (spinenet-49, r50-fpn, ...) or a .json/.py spec file")
    describe.add_argument("--variant", help=f"scaling: one of {sorted(SCALINGS)} (default 49; 49-mobile for a "
                                             "Mobile SpineNet)")
    describe.add_argument("--input-size", type=int, help="input size in pixels (default: the variant's)")
    describe.add_argument("--num-classes", type=positive_count,
                          help=f"head classes (default: an export's model.json, else {TF_COCO_CLASSES}, as TF counts COCO)")
    describe.set_defaults(run=cmd_describe)
    train = commands.add_parser("train", help="one proxy trial: train RetinaNet with a spec, print held-out AP")
    train.add_argument("--spec", required=True, help="built-in name or a .json/.py spec file")
    train.add_argument("--preset", default="cpu", help="paper | cpu | smoke (default cpu)")
    train.add_argument("--set", action="append", metavar="KEY=VALUE", help="override, e.g. train.epochs=2")
    train.add_argument("--workdir", default="runs/train", help="where result.json goes (default runs/train)")
    train.set_defaults(run=cmd_train)
    _add_campaign_commands(commands)
    add_compare_parser(commands)
    add_study_parser(commands)
    add_search_study_parser(commands)
    add_import_tf_parser(commands)
    add_view_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if argv is None and args.command == "train":
            # Training in this process: start it again on jemalloc (proxy_task.runtime.host_allocator).
            reexecute_with_allocator(["-m", "nas.cli", *sys.argv[1:]])
        return args.run(args)
    except (SpecError, ConfigError, ValueError, FileNotFoundError) as err:
        # Bad input: an invalid spec or config, or a dataset that is not prepared.
        print(f"spinenet-nas {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except FloatingPointError as err:  # proxy_task.train.NonFiniteLossError
        print(f"spinenet-nas {args.command}: error: {err}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
