"""The ``spinenet-nas`` command line.

Each command parses its flags and calls the library; errors in user input
(a bad spec, an unknown variant) are printed with their fix and exit with 2.
"""

from __future__ import annotations

import argparse
import sys

from search_space.builtins import get_builtin, implied_variant
from search_space.errors import SpecError
from search_space.scaling import SCALINGS, get_scaling
from search_space.serialization import load_spec_file
from search_space.spec import ArchitectureSpec

EXIT_USAGE = 2


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spinenet-nas", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    describe = commands.add_parser("describe", help="block table, parameters and FLOPs of a spec")
    describe.add_argument("spec", help="built-in name (spinenet-49, r50-fpn, ...) or a .json/.py spec file")
    describe.add_argument("--variant", help=f"scaling: one of {sorted(SCALINGS)} (default 49)")
    describe.add_argument("--input-size", type=int, help="input size in pixels (default: the variant's)")
    describe.add_argument("--num-classes", type=int, default=91, help="head classes (default 91, as TF counts COCO)")
    describe.set_defaults(run=cmd_describe)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except SpecError as err:
        print(f"spinenet-nas {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
