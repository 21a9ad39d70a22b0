"""``--set key=value`` overrides for nested frozen dataclass configs.

Keys are dotted paths (``train.epochs=2``, ``data.synthetic.num_train=500``);
values parse as JSON where they can (numbers, booleans, lists, null) and as
strings otherwise. An unknown key or a value of the wrong type is refused with
the list of valid keys, before anything runs.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any


class ConfigError(ValueError):
    """A bad override: unknown key or wrong type; the message lists the fix."""


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _coerce(value: Any, current: Any, key: str) -> Any:
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


def apply_override(config: Any, key: str, value: Any, full_key: str | None = None) -> Any:
    """Sets one dotted ``key`` (already known valid) to ``value``, type-checked."""
    full_key = full_key or key
    head, _, rest = key.partition(".")
    current = getattr(config, head)  # keys were checked against valid_keys(root)
    new = apply_override(current, rest, value, full_key) if rest else _coerce(value, current, full_key)
    try:
        return dataclasses.replace(config, **{head: new})
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{full_key}={value!r} is invalid: {err}") from None


def apply_overrides(config: Any, assignments: typing.Sequence[str]) -> Any:
    """Applies ``key=value`` strings in order."""
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        if not sep or not key:
            raise ConfigError(f"override {assignment!r} is not key=value, e.g. train.epochs=2")
        key = key.strip()
        keys = valid_keys(config)
        if key not in keys:
            groups = sorted({k.rsplit(".", 1)[0] for k in keys if "." in k})
            if key in groups:
                raise ConfigError(f"{key!r} is a group; set one of its keys: {', '.join(k for k in keys if k.startswith(key + '.'))}")
            raise ConfigError(f"unknown config key {key!r}; valid keys: {', '.join(keys)}")
        config = apply_override(config, key, _parse_value(text.strip()))
    return config
