"""Exporting a spec as text: our JSON, a Python module, or TF Model Garden's format.

``export_spec(spec, fmt)`` with ``fmt``:

* ``json``: ``spec_to_json``; ``spec_from_json`` / ``load_spec_file`` read it back.
* ``python``: a module that defines ``BLOCK_SPECS`` (official tuples),
  ``STEM_LEVELS``, ``MIN_LEVEL``, ``MAX_LEVEL`` and ``SPEC`` (built with our
  ``spec_from_tuples``). Importing it gives the exact spec; ``load_spec_file``
  reads the same settings and gives it too, named after the file.
* ``tf``: a module for TF Model Garden's ``official/vision/modeling/backbones/
  spinenet.py``: ``BLOCK_SPECS`` in the exact form of its
  ``SPINENET_BLOCK_SPECS``, a ``SCALING`` dict like a ``SCALING_MAP`` entry,
  ``MIN_LEVEL``, ``MAX_LEVEL`` and ``INPUT_SIZE``; ``TF_RECIPE`` builds the
  backbone from them.

TF's stem is implicit: ``SpineNet._build_stem`` always builds two L2
bottleneck block groups as ``net[0]`` and ``net[1]``, and ``input_offsets``
index that ``net`` (``spinenet.md`` §1.1, §3.1). Our parents index the same
``net``, so a spec with the stem ``(2, 2)`` exports its blocks unchanged; any
other stem (the ResNet stems of R35-SP18, R23-SP30, R14-SP39) cannot be
expressed and raises ``ValueError``. A Mobile SpineNet (MBConv stem ``(1, 2)``)
exports for ``official/vision/modeling/backbones/spinenet_mobile.py`` the same
way: its ``SpineNetMobile`` builds an L1 and an L2 MBConv block as ``net[0]``,
``net[1]``, and ``SCALING`` carries its widths and MBConv ratios.
"""

from __future__ import annotations

from search_space.scaling import Scaling, get_scaling
from search_space.serialization import spec_to_json
from search_space.spec import MOBILE_STEM, ArchitectureSpec, SpineNetSpec
from search_space.validation import validate

FORMATS = ("json", "python", "tf")
TF_STEM_LEVELS = (2, 2)  # SpineNet._build_stem: _num_init_blocks = 2 at level 2
DEFAULT_SCALING = "49"
DEFAULT_MOBILE_SCALING = "49-mobile"

# How an exported 'tf' module builds its backbone in TF Model Garden; docs/export.md quotes it.
TF_RECIPE = """\
import tensorflow as tf
from official.vision.modeling.backbones import spinenet

backbone = spinenet.SpineNet(
    input_specs=tf.keras.layers.InputSpec(shape=[None, INPUT_SIZE, INPUT_SIZE, 3]),
    min_level=MIN_LEVEL, max_level=MAX_LEVEL,
    block_specs=spinenet.build_block_specs(BLOCK_SPECS),
    **SCALING)
"""
TF_MOBILE_RECIPE = """\
import tensorflow as tf
from official.vision.modeling.backbones import spinenet_mobile

backbone = spinenet_mobile.SpineNetMobile(
    input_specs=tf.keras.layers.InputSpec(shape=[None, INPUT_SIZE, INPUT_SIZE, 3]),
    min_level=MIN_LEVEL, max_level=MAX_LEVEL,
    block_specs=spinenet_mobile.build_block_specs(BLOCK_SPECS),
    **SCALING)
"""
_TF_BLOCK_COMMENT = "# (level, block_fn, (input_offset0, input_offset1), is_output); net[0], net[1] are the stem."


def export_spec(spec: ArchitectureSpec, fmt: str, scaling: Scaling | None = None) -> str:
    """The text of ``spec`` in format ``fmt``.

    Args:
      spec: a valid spec (checked with ``validate``).
      fmt: one of ``FORMATS``: 'json', 'python' or 'tf'.
      scaling: only for 'tf', the widths written to ``SCALING``; defaults to
        SpineNet-49's (``get_scaling('49')``), Mobile SpineNet-49's for a mobile spec.

    Raises:
      ValueError: on an unknown format, an invalid spec (``SpecError``), or a
        spec the format cannot express; the message names the problem.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {list(FORMATS)}")
    validate(spec)
    if fmt == "json":
        return spec_to_json(spec)
    if not isinstance(spec, SpineNetSpec):
        raise ValueError(
            f"spec {spec.name!r} is a ResNet-FPN, which has no SpineNet block tuples; "
            f"export it with fmt='json'"
        )
    if fmt == "python":
        return python_module(spec)
    default = DEFAULT_MOBILE_SCALING if spec.is_mobile else DEFAULT_SCALING
    return tf_module(spec, scaling or get_scaling(default))


def _tuple_lines(spec: SpineNetSpec) -> list[str]:
    return ["BLOCK_SPECS = ["] + [f"    {block.as_tuple()!r}," for block in spec.blocks] + ["]"]


def python_module(spec: SpineNetSpec) -> str:
    """A module defining ``SPEC`` with our classes (see the module docstring)."""
    loading = "``search_space.load_spec_file(path)`` reads it too\n(the file name becomes the spec's name)."
    comment = (
        f"# (level, block_fn, (parent0, parent1), is_output); parents index net, whose first "
        f"{spec.num_stem} entries\n# are the stem blocks (levels STEM_LEVELS)."
    )
    lines = [
        '"""A SpineNet spec exported by spinenet-nas (search_space.export, format \'python\').',
        "",
        "Import it and use ``SPEC``. " + loading,
        '"""',
        "",
        "from search_space.serialization import spec_from_tuples",
        "from search_space.spec import StemSpec",
        "",
        comment,
        *_tuple_lines(spec),
        f"STEM_LEVELS = {spec.stem.levels!r}",
        *([f"STEM_BLOCK_FN = {spec.stem.block_fn!r}"] if spec.is_mobile else []),
        f"MIN_LEVEL = {spec.min_level!r}",
        f"MAX_LEVEL = {spec.max_level!r}",
        "",
        "SPEC = spec_from_tuples(",
        f"    BLOCK_SPECS, stem=StemSpec(STEM_LEVELS{', STEM_BLOCK_FN' if spec.is_mobile else ''}), "
        f"name={spec.name!r}, min_level=MIN_LEVEL, max_level=MAX_LEVEL",
        ")",
    ]
    return "\n".join(lines) + "\n"


def check_tf_expressible(spec: SpineNetSpec) -> None:
    """Raises ``ValueError`` if TF Model Garden's SpineNet (SpineNetMobile) would build another network."""
    if spec.is_mobile:
        if spec.stem != MOBILE_STEM:
            raise ValueError(f"spec {spec.name!r}: stem {list(spec.stem.levels)} cannot be exported to TF Model "
                             f"Garden, whose SpineNetMobile always builds an L1 and an L2 MBConv stem block "
                             f"(stem {list(MOBILE_STEM.levels)}). Export it with fmt='json' or fmt='python'.")
        return
    if spec.stem.levels != TF_STEM_LEVELS:
        raise ValueError(
            f"spec {spec.name!r}: stem {list(spec.stem.levels)} cannot be exported to TF Model "
            f"Garden, whose SpineNet always builds exactly two L2 bottleneck stem blocks "
            f"(net[0], net[1]); only specs with the stem {list(TF_STEM_LEVELS)} are expressible. "
            "Export it with fmt='json' or fmt='python'."
        )
    # TF counts no out-edge for stem block 0 (it only feeds stem block 1) and
    # would add it raw into a matching dangling-merge target; we never merge a
    # stem block that feeds the next (network_graph._out_degrees). With the
    # two-block stem the cases agree: block 0's parents must be net[0], net[1].


def _scaling_lines(scaling: Scaling, mobile: bool) -> list[str]:
    # SpineNetMobile takes no alpha; it takes the MBConv ratios (its config's se_ratio, expand_ratio).
    width = [f"    'resample_alpha': {scaling.resample_alpha!r},"] if not mobile else [
        f"    'se_ratio': {scaling.mbconv_se_ratio!r},", f"    'expand_ratio': {scaling.mbconv_expand_ratio!r},"]
    return [
        "SCALING = {",
        f"    'endpoints_num_filters': {scaling.endpoints_num_filters!r},",
        f"    'filter_size_scale': {scaling.filter_size_scale!r},",
        *width,
        f"    'block_repeats': {scaling.block_repeats!r},",
        "}",
    ]


def tf_module(spec: SpineNetSpec, scaling: Scaling) -> str:
    """The TF Model Garden module text (see the module docstring)."""
    check_tf_expressible(spec)
    module = "spinenet_mobile" if spec.is_mobile else "spinenet"
    recipe = TF_MOBILE_RECIPE if spec.is_mobile else TF_RECIPE
    lines = [
        '"""SpineNet block specs for TF Model Garden, exported by spinenet-nas (format \'tf\').',
        "",
        "BLOCK_SPECS has the form of SPINENET_BLOCK_SPECS in",
        f"official/vision/modeling/backbones/{module}.py; SCALING that of a SCALING_MAP entry.",
        f"The backbone config factory (type '{module}', model_id) always uses the built-in",
        "SPINENET_BLOCK_SPECS, so build the backbone with the constructor, after",
        "`from <this module> import *`:",
        "",
        *("    " + line if line else "" for line in recipe.splitlines()),
        "",
        "input_specs with the input size is needed: TF merges a block that feeds no other",
        "into the output of its level only where their static shapes match, so without",
        "a size it merges none and builds a different network.",
        "",
        f"Exported at input {scaling.input_size} with a {scaling.head_num_convs}x"
        f"{scaling.head_num_filters} RetinaNet head and anchor size {scaling.anchor_size!r}.",
        '"""',
        "",
        _TF_BLOCK_COMMENT,
        *_tuple_lines(spec),
        "",
        *_scaling_lines(scaling, spec.is_mobile),
        "",
        f"MIN_LEVEL = {spec.min_level!r}",
        f"MAX_LEVEL = {spec.max_level!r}",
        f"INPUT_SIZE = {scaling.input_size!r}",
    ]
    return "\n".join(lines) + "\n"
