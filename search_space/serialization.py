"""Reading and writing specs: our JSON form and the official tuple form.

JSON (what ``spec_to_json`` writes)::

    {"kind": "spinenet", "name": "spinenet-49", "stem": {"levels": [2, 2]},
     "min_level": 3, "max_level": 7,
     "blocks": [{"level": 2, "block_fn": "bottleneck", "parents": [0, 1],
                 "is_output": false}, ...]}

Official tuples, as in TF Model Garden's and the TPU repository's
``SPINENET_BLOCK_SPECS``::

    [(2, 'bottleneck', (0, 1), False), (4, 'residual', (0, 1), False), ...]

Both the 15-block (paper) and the 16-block (TF Model Garden) SpineNet-49 lists
read; the tuple form implies SpineNet's two-block L2 stem (Mobile SpineNet's for a
list of MBConv blocks) unless a stem is given.
Parsing checks form only (types, arity, unknown keys); ``validation`` checks
meaning. Every error is a ``SpecError`` naming the path and the bad value.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, Sequence

from search_space.errors import SpecError
from search_space.spec import (BOTTLENECK, MBCONV, MOBILE_STEM, ArchitectureSpec, BlockSpec, ResNetFpnSpec,
                               SpineNetSpec, StemSpec)

_SPINENET_KEYS = {"kind", "name", "stem", "min_level", "max_level", "blocks"}
_RESNET_FPN_KEYS = {"kind", "name", "blocks_per_level", "min_level", "max_level"}
_BLOCK_KEYS = {"level", "block_fn", "parents", "is_output"}


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where}: expected an integer, got {value!r}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{where}: expected true or false, got {value!r}")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{where}: expected a string, got {value!r}")
    return value


def _int_list(value: Any, where: str, length: int | None = None) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        raise SpecError(f"{where}: expected a list of integers, got {value!r}")
    if length is not None and len(value) != length:
        raise SpecError(f"{where}: expected exactly {length} integers, got {list(value)!r}")
    return tuple(_int(item, f"{where}[{i}]") for i, item in enumerate(value))


def _check_keys(data: Any, allowed: set[str], where: str) -> None:
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected a JSON object, got {data!r}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SpecError(
            f"{where}: unknown key(s) {unknown}; allowed keys are {sorted(allowed)}"
        )


def block_to_dict(block: BlockSpec) -> dict[str, Any]:
    return {
        "level": block.level,
        "block_fn": block.block_fn,
        "parents": list(block.parents),
        "is_output": block.is_output,
    }


def block_from_dict(data: Any, where: str) -> BlockSpec:
    _check_keys(data, _BLOCK_KEYS, where)
    missing = sorted(_BLOCK_KEYS - {"is_output"} - set(data))
    if missing:
        raise SpecError(f"{where}: missing key(s) {missing}")
    return BlockSpec(
        level=_int(data["level"], f"{where}.level"),
        block_fn=_str(data["block_fn"], f"{where}.block_fn"),
        parents=_int_list(data["parents"], f"{where}.parents", length=2),
        is_output=_bool(data.get("is_output", False), f"{where}.is_output"),
    )


def block_from_tuple(entry: Any, where: str) -> BlockSpec:
    """One official tuple ``(level, block_fn, (p0, p1), is_output)``."""
    if not isinstance(entry, (list, tuple)) or len(entry) != 4:
        raise SpecError(
            f"{where}: expected a tuple (level, 'bottleneck'|'residual', (p0, p1), is_output), "
            f"got {entry!r}"
        )
    level, block_fn, parents, is_output = entry
    return BlockSpec(
        level=_int(level, f"{where} level"),
        block_fn=_str(block_fn, f"{where} block_fn"),
        parents=_int_list(parents, f"{where} parents", length=2),
        is_output=_bool(is_output, f"{where} is_output"),
    )


def spec_from_tuples(
    entries: Sequence[Any],
    *,
    stem: StemSpec | None = None,
    name: str = "custom",
    min_level: int = 3,
    max_level: int = 7,
) -> SpineNetSpec:
    """A SpineNet spec from the official block-spec tuples.

    Without a ``stem``, a list of MBConv blocks gets Mobile SpineNet's stem (as TF's ``SpineNetMobile``
    builds it) and any other list SpineNet's two L2 bottleneck groups.
    """
    if not isinstance(entries, (list, tuple)) or not entries:
        raise SpecError(f"block specs: expected a non-empty list of tuples, got {entries!r}")
    blocks = tuple(block_from_tuple(e, f"block {i}") for i, e in enumerate(entries))
    if stem is None:
        stem = MOBILE_STEM if all(block.block_fn == MBCONV for block in blocks) else StemSpec()
    return SpineNetSpec(blocks=blocks, stem=stem, min_level=min_level, max_level=max_level, name=name)


def spec_to_tuples_text(spec: SpineNetSpec) -> str:
    """The spec's blocks as Python source of the official tuple list."""
    rows = [f"    {block.as_tuple()!r}," for block in spec.blocks]
    return "[\n" + "\n".join(rows) + "\n]\n"


def spec_to_dict(spec: ArchitectureSpec) -> dict[str, Any]:
    if isinstance(spec, ResNetFpnSpec):
        return {
            "kind": spec.kind,
            "name": spec.name,
            "blocks_per_level": list(spec.blocks_per_level),
            "min_level": spec.min_level,
            "max_level": spec.max_level,
        }
    return {
        "kind": spec.kind,
        "name": spec.name,
        "stem": _stem_to_dict(spec.stem),
        "min_level": spec.min_level,
        "max_level": spec.max_level,
        "blocks": [block_to_dict(b) for b in spec.blocks],
    }


def _stem_to_dict(stem: StemSpec) -> dict[str, Any]:
    # The block type only where it is not the default, so that SpineNet specs keep their JSON.
    return {"levels": list(stem.levels), **({"block_fn": stem.block_fn} if stem.block_fn != BOTTLENECK else {})}


def _stem_from_dict(data: Any) -> StemSpec:
    if not isinstance(data, dict):
        raise SpecError(f"spec.stem: expected an object such as {{\"levels\": [2, 2]}}, got {data!r}")
    _check_keys(data, {"levels", "block_fn"}, "spec.stem")
    return StemSpec(_int_list(data.get("levels", [2, 2]), "spec.stem.levels"),
                    _str(data.get("block_fn", BOTTLENECK), "spec.stem.block_fn"))


def spec_from_dict(data: Any) -> ArchitectureSpec:
    """Inverse of ``spec_to_dict``; refuses unknown keys and wrong types."""
    if not isinstance(data, dict):
        raise SpecError(f"spec: expected a JSON object, got {type(data).__name__}")
    kind = data.get("kind", "spinenet")
    if kind == "resnet_fpn":
        _check_keys(data, _RESNET_FPN_KEYS, "spec")
        return ResNetFpnSpec(
            blocks_per_level=_int_list(data.get("blocks_per_level", [3, 4, 6, 3]), "spec.blocks_per_level", 4),
            min_level=_int(data.get("min_level", 3), "spec.min_level"),
            max_level=_int(data.get("max_level", 7), "spec.max_level"),
            name=_str(data.get("name", "custom-fpn"), "spec.name"),
        )
    if kind != "spinenet":
        raise SpecError(f"spec.kind: unknown kind {kind!r}; use 'spinenet' or 'resnet_fpn'")
    _check_keys(data, _SPINENET_KEYS, "spec")
    if "blocks" not in data:
        raise SpecError("spec: missing key 'blocks' (the list of scale-permuted blocks)")
    blocks = data["blocks"]
    if not isinstance(blocks, list):
        raise SpecError(f"spec.blocks: expected a list, got {blocks!r}")
    return SpineNetSpec(
        blocks=tuple(block_from_dict(b, f"spec.blocks[{i}]") for i, b in enumerate(blocks)),
        stem=_stem_from_dict(data.get("stem", {"levels": [2, 2]})),
        min_level=_int(data.get("min_level", 3), "spec.min_level"),
        max_level=_int(data.get("max_level", 7), "spec.max_level"),
        name=_str(data.get("name", "custom"), "spec.name"),
    )


def spec_to_json(spec: ArchitectureSpec) -> str:
    return json.dumps(spec_to_dict(spec), indent=2) + "\n"


def spec_from_json(text: str) -> ArchitectureSpec:
    """A spec from JSON text: our object form, or a bare list of official tuples."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise SpecError(f"malformed JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
    if isinstance(data, list):
        return spec_from_tuples(data)
    return spec_from_dict(data)


_TUPLE_LIST = re.compile(r"\[\s*\(", re.S)


def spec_from_tuples_text(text: str, name: str = "custom") -> SpineNetSpec:
    """Official tuples as Python source: a bare list or ``NAME = [...]``."""
    match = _TUPLE_LIST.search(text)
    if match is None:
        raise SpecError("no list of block tuples found; expected [(level, 'bottleneck', (p0, p1), False), ...]")
    depth, end = 0, None
    for pos in range(match.start(), len(text)):
        depth += {"[": 1, "]": -1}.get(text[pos], 0)
        if depth == 0:
            end = pos + 1
            break
    if end is None:
        raise SpecError("unterminated list of block tuples: a closing ']' is missing")
    try:
        entries = ast.literal_eval(text[match.start():end])
    except (ValueError, SyntaxError) as err:
        raise SpecError(f"malformed block tuples: {err}; use literals only, e.g. (2, 'bottleneck', (0, 1), False)") from None
    return spec_from_tuples(entries, name=name, **_module_settings(text))


# Settings an exported module (``export_spec(spec, 'python')``) defines next to its tuples.
_MODULE_SETTING = re.compile(r"^(STEM_LEVELS|STEM_BLOCK_FN|MIN_LEVEL|MAX_LEVEL)\s*=\s*(.+?)\s*(?:#.*)?$", re.M)


def _module_settings(text: str) -> dict[str, Any]:
    """``stem``, ``min_level`` and ``max_level`` when the source sets them; else the defaults."""
    settings, stem = {}, {}
    for key, value in _MODULE_SETTING.findall(text):
        try:
            literal = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise SpecError(f"{key} = {value}: expected a literal, e.g. {key} = 3") from None
        if key == "STEM_LEVELS":
            stem["levels"] = _int_list(literal, key)
        elif key == "STEM_BLOCK_FN":
            stem["block_fn"] = _str(literal, key)
        else:
            settings[key.lower()] = _int(literal, key)
    if stem:
        settings["stem"] = StemSpec(**stem)
    return settings


def load_spec_file(path: str | Path) -> ArchitectureSpec:
    """Reads a spec file: ``.json`` (either form) or Python source with tuples."""
    path = Path(path)
    if path.is_dir():
        raise SpecError(f"spec file {str(path)!r} is a directory; give a built-in name or a .json/.py file "
                        f"(a campaign's best is DIR/export/best.json)")
    if not path.is_file():
        raise SpecError(f"spec file {str(path)!r} does not exist; give a built-in name or a .json/.py file")
    text = path.read_text()
    if path.suffix == ".json":
        return spec_from_json(text)
    return spec_from_tuples_text(text, name=path.stem)
