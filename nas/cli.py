"""The ``spinenet-nas`` command line.

Each command parses its flags and calls the library; errors in user input
(a bad spec, an unknown variant) are printed with their fix and exit with 2.
"""

from __future__ import annotations

import argparse
import sys

from nas.overrides import ConfigError
from search_space.builtins import get_builtin, implied_variant
from search_space.errors import SpecError
from search_space.scaling import SCALINGS, get_scaling
from search_space.serialization import load_spec_file
from search_space.spec import ArchitectureSpec

EXIT_USAGE = 2
EXIT_FAILURE = 1


def load_spec(name_or_path: str) -> ArchitectureSpec:
    """A built-in name (``spinenet-49``, ``r50-fpn``...) or a spec file (.json or .py tuples)."""
    if name_or_path.endswith((".json", ".py", ".txt")) or "/" in name_or_path:
        return load_spec_file(name_or_path)
    return get_builtin(name_or_path)


def cmd_describe(args: argparse.Namespace) -> int:
    from results.describe import describe

    spec = load_spec(args.spec)
    variant = args.variant or implied_variant(args.spec) or "49"
    scaling = get_scaling(variant)
    if args.input_size is not None:
        scaling = scaling.replace(input_size=args.input_size)
    print(describe(spec, scaling, variant, args.num_classes))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import json

    from nas.overrides import apply_overrides
    from proxy_task.config import get_preset
    from proxy_task.train import train_and_evaluate

    spec = load_spec(args.spec)
    config = apply_overrides(get_preset(args.preset), args.set or [])
    variant = implied_variant(args.spec)
    if variant not in (None, "49"):
        print(f"note: {args.spec} is SpineNet-49's blocks; the preset's scaling is used", file=sys.stderr)

    def report(event: dict) -> None:
        if event["event"] == "train":
            print(f"step {event['step']}/{event['total_steps']}  loss {event['loss']:.4f}  "
                  f"({event['elapsed']:.0f}s)", flush=True)

    result = train_and_evaluate(spec, config, args.workdir, report)
    ap = result.ap
    print(f"AP {ap['AP']:.4f}  AP50 {ap['AP50']:.4f}  AP75 {ap['AP75']:.4f}  "
          f"APs {ap['APs']:.4f}  APm {ap['APm']:.4f}  APl {ap['APl']:.4f}")
    print(f"params {result.params:,}  FLOPs {result.madds / 1e9:.2f} B  train {result.train_seconds:.0f}s  "
          f"{result.images_per_second:.1f} images/s  device {result.device}")
    print(json.dumps({"result": str(args.workdir) + "/result.json"}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spinenet-nas", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    describe = commands.add_parser("describe", help="block table, parameters and FLOPs of a spec")
    describe.add_argument("spec", help="built-in name (spinenet-49, r50-fpn, ...) or a .json/.py spec file")
    describe.add_argument("--variant", help=f"scaling: one of {sorted(SCALINGS)} (default 49)")
    describe.add_argument("--input-size", type=int, help="input size in pixels (default: the variant's)")
    describe.add_argument("--num-classes", type=int, default=91, help="head classes (default 91, as TF counts COCO)")
    describe.set_defaults(run=cmd_describe)
    train = commands.add_parser("train", help="one proxy trial: train RetinaNet with a spec, print held-out AP")
    train.add_argument("--spec", required=True, help="built-in name or a .json/.py spec file")
    train.add_argument("--preset", default="cpu", help="paper | cpu | smoke (default cpu)")
    train.add_argument("--set", action="append", metavar="KEY=VALUE", help="override, e.g. train.epochs=2")
    train.add_argument("--workdir", default="runs/train", help="where result.json goes (default runs/train)")
    train.set_defaults(run=cmd_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
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
