"""The ``import-tf`` subcommand: an official TF Model Garden SpineNet checkpoint as our backbone parameters."""

from __future__ import annotations

import argparse
from pathlib import Path

# Where a backbone sits: a Model Garden training's checkpoint (RetinaNetModel keeps it as _backbone), its
# checkpoint_items (backbone=...), a model's save_weights.
PREFIXES = ("model/_backbone/", "model/backbone/", "backbone/", "")


def add_parser(commands) -> None:
    command = commands.add_parser(
        "import-tf", help="convert a TF Model Garden SpineNet checkpoint or SavedModel into our parameters",
        description="Reads the backbone variables of a TF Model Garden SpineNet or SpineNetMobile checkpoint "
                    "(or SavedModel), pairs them with the network SPEC builds at the scaling, and writes "
                    "OUT/backbone.npz and OUT/import.json; refuses, naming the first variable that does not fit, "
                    "when checkpoint and spec disagree.")
    command.add_argument("source", help="a checkpoint prefix (DIR/ckpt-1000), its folder, or a SavedModel folder")
    command.add_argument("--spec", required=True, help="built-in name (spinenet-49, spinenet-49-mobile, ...) or a "
                                                       "spec file; what the checkpoint was trained as")
    command.add_argument("--variant", help="scaling of the checkpoint (default: the name's, else 49 or 49-mobile)")
    command.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                         help="change a field of that scaling, e.g. filter_size_scale=0.5 or endpoints_num_filters=64")
    command.add_argument("--prefix", help=f"where the backbone's variables are keyed (default: the first of "
                                          f"{list(PREFIXES)} that holds variables)")
    command.add_argument("--out", required=True, help="directory for backbone.npz and import.json")
    command.set_defaults(run=cmd_import_tf)


def cmd_import_tf(args: argparse.Namespace) -> int:
    from nas.cli import load_spec
    from nas.output_dirs import check_output_dir
    from nas.overrides import apply_overrides
    from proxy_task.tf_import.checkpoint_reader import key_prefixes, read_variables
    from proxy_task.tf_import.convert import convert
    from proxy_task.tf_import.imported import save_imported
    from search_space.builtins import default_variant, implied_variant
    from search_space.scaling import get_scaling

    spec = load_spec(args.spec)
    variant = args.variant or implied_variant(args.spec) or default_variant(spec)
    scaling = apply_overrides(get_scaling(variant), args.set)
    out = check_output_dir(args.out, "--out")
    prefix, variables = _backbone_variables(args.source, args.prefix, read_variables)
    if not variables:
        raise ValueError(f"{args.source} holds no variables under {prefix!r}; its keys begin with "
                         f"{key_prefixes(args.source)}: give --prefix")
    converted = convert(variables, spec, scaling, where=f"{args.source} (under {prefix!r})")
    meta = save_imported(Path(out), spec, scaling, converted,
                         {"checkpoint": str(args.source), "prefix": prefix, "variant": variant, "set": args.set,
                          "tf_variables": len(variables)})
    print(f"imported {len(variables)} TF variables ({meta['values']:,} values) of {spec.name} at {variant} "
          f"into {out}/backbone.npz")
    return 0


def _backbone_variables(source: str, prefix: str | None, read_variables):
    for candidate in [prefix] if prefix is not None else PREFIXES:
        variables = read_variables(source, candidate)
        if variables:
            return candidate, variables
    return prefix if prefix is not None else PREFIXES[0], []
