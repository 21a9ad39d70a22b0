"""``--set key=value`` overrides for nested frozen dataclass configs.

Keys are dotted paths (``train.epochs=2``, ``data.synthetic.num_train=500``);
values parse as JSON where they can (numbers, booleans, lists, null) and as
strings otherwise. An unknown key, a value of the wrong type or a number that
is not finite (JSON's parser takes NaN and Infinity, TOML's nan and inf) is
refused with the fix, before anything runs. All keys are applied at once, so
checks that relate two fields see the final values of both.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from typing import Any


class ConfigError(ValueError):
    """A bad override: unknown key or wrong type; the message lists the fix."""


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _check_finite(value: Any, key: str) -> None:
    """Refuses NaN and infinities, also inside lists and dicts (searcher settings, resources)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key}={value}: not a finite number; give a finite value (or null where the key "
                          f"allows none, e.g. trial.time_limit_s=null for no limit)")
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ():
        _check_finite(item, key)


def _coerce(value: Any, current: Any, key: str) -> Any:
    _check_finite(value, key)
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(current, tuple) and isinstance(value, list):
        return tuple(value)
    if current is not None and value is not None and not isinstance(value, type(current)):
        raise ConfigError(f"{key}: expected a {type(current).__name__}, got {value!r}")
    return value


def valid_keys(config: Any, prefix: str = "") -> list[str]:
    keys = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value):
            keys += valid_keys(value, f"{prefix}{field.name}.")
        else:
            keys.append(f"{prefix}{field.name}")
    return keys


def parse_assignment(assignment: str, example: str = "train.epochs=2") -> tuple[str, Any]:
    """``'key=value'`` -> ``(key, value)``, the value parsed as JSON where it parses, else a string."""
    key, sep, text = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {assignment!r} is not key=value, e.g. {example}")
    return key.strip(), _parse_value(text.strip())


def check_key(config: Any, key: str, keys: list[str] | None = None) -> None:
    """Raises ``ConfigError`` (with the valid keys) unless ``key`` is a leaf key of ``config``."""
    keys = valid_keys(config) if keys is None else keys
    if key in keys:
        return
    groups = sorted({k.rsplit(".", 1)[0] for k in keys if "." in k})
    if key in groups:
        raise ConfigError(f"{key!r} is a group; set one of its keys: {', '.join(k for k in keys if k.startswith(key + '.'))}")
    raise ConfigError(f"unknown config key {key!r}; valid keys: {', '.join(keys)}")


def to_values(config: Any) -> dict[str, Any]:
    """``{dotted key: value}`` for every leaf of ``config`` (the inverse of ``apply_values``)."""
    return {key: get_value(config, key) for key in valid_keys(config)}


def get_value(config: Any, key: str) -> Any:
    """The value at dotted ``key`` of a nested config."""
    for part in key.split("."):
        config = getattr(config, part)
    return config


def apply_values(config: Any, values: typing.Mapping[str, Any]) -> Any:
    """Sets many dotted keys at once, type-checked; each dataclass is rebuilt once.

    Rebuilding each nested dataclass once with all of its changes lets checks
    that relate two fields (``data.input_size`` and ``scaling.input_size``)
    see the final values, whatever order the keys come in.
    """
    keys = valid_keys(config)
    for key in values:  # every key before any value
        check_key(config, key, keys)
    tree: dict[str, Any] = {}
    for key, value in values.items():
        node = tree
        *heads, last = key.split(".")
        for head in heads:
            node = node.setdefault(head, {})
        node[last] = _Leaf(key, _coerce(value, get_value(config, key), key))
    return _rebuild(config, tree)


@dataclasses.dataclass(frozen=True)
class _Leaf:
    key: str
    value: Any


def _leaf_keys(changes: dict[str, Any]) -> list[str]:
    return [c.key for c in changes.values() if isinstance(c, _Leaf)] + [
        key for c in changes.values() if not isinstance(c, _Leaf) for key in _leaf_keys(c)]


def _rebuild(config: Any, changes: dict[str, Any]) -> Any:
    fields = {name: change.value if isinstance(change, _Leaf) else _rebuild(getattr(config, name), change)
              for name, change in changes.items()}
    try:
        return dataclasses.replace(config, **fields)
    except (TypeError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(f"{', '.join(_leaf_keys(changes))}: invalid value: {err}") from None


def apply_overrides(config: Any, assignments: typing.Sequence[str]) -> Any:
    """Applies ``key=value`` strings (a later one wins) at once, see ``apply_values``."""
    return apply_values(config, dict(parse_assignment(assignment) for assignment in assignments))
