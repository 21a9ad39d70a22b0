"""Checks of a searcher's settings: each value has its field's type and lies in its range.

Searcher configs call ``check_settings`` from ``__post_init__``, so a bad
setting fails where the config is built (``controller.make_config``, which the
campaign config's checks call before Ray starts or any file is written), not
later inside a running campaign. ``SettingError`` names the setting, so the
caller can say which key to change.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from typing import Any, Mapping

# jax.random.key takes a signed 64-bit seed and numpy's generators a non-negative one.
SEED_LIMIT = 2**63


class SettingError(ValueError):
    """A searcher setting of the wrong type or out of range; ``name`` is the setting."""

    def __init__(self, name: str, detail: str):
        super().__init__(f"{name}: {detail}")
        self.name, self.detail = name, detail


@dataclasses.dataclass(frozen=True)
class Range:
    """An interval of allowed numbers; ``None`` leaves a side open-ended."""

    low: float | None = None
    high: float | None = None
    low_excluded: bool = False
    high_excluded: bool = False
    text: str | None = None  # how messages write it, if not from the bounds

    def __contains__(self, value: float) -> bool:
        above = self.low is None or (value > self.low if self.low_excluded else value >= self.low)
        below = self.high is None or (value < self.high if self.high_excluded else value <= self.high)
        return above and below

    def __str__(self) -> str:
        if self.text is not None:
            return self.text
        if self.high is None:
            return f"{'>' if self.low_excluded else '>='} {self.low}"
        return f"in {'(' if self.low_excluded else '['}{self.low}, {self.high}{')' if self.high_excluded else ']'}"


POSITIVE = Range(0, low_excluded=True)
NON_NEGATIVE = Range(0)
AT_LEAST_ONE = Range(1)
FRACTION = Range(0, 1, high_excluded=True)  # an EMA decay: 1 would never move
SEED = Range(0, SEED_LIMIT, high_excluded=True, text="in [0, 2**63)")


def check_settings(config: Any, allowed: Mapping[str, Range | tuple[str, ...]]) -> None:
    """Raises ``SettingError`` for the first field of ``config`` of the wrong type or not ``allowed``.

    Types come from the dataclass's annotations (``int``, ``float``, ``str``,
    ``X | None``); an ``int`` is a float too, a ``bool`` is neither, and a float
    must be finite (JSON's parser accepts NaN and Infinity). ``allowed`` maps a
    field to its ``Range`` or to its tuple of choices.
    """
    hints = typing.get_type_hints(type(config))
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        _check_type(field.name, value, typing.get_args(hints[field.name]) or (hints[field.name],))
        values = allowed.get(field.name)
        if value is None or values is None or value in values:
            continue
        if isinstance(values, Range):
            raise SettingError(field.name, f"{value!r} is out of range; use a value {values}")
        raise SettingError(field.name, f"{value!r}; use one of {list(values)}")


def _check_type(name: str, value: Any, allowed: tuple) -> None:
    if value is None and type(None) in allowed:
        return
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if float in allowed and number:
        if not math.isfinite(value):
            raise SettingError(name, f"{value!r} is not a finite number")
        return
    if (int in allowed and number and isinstance(value, int)) or (str in allowed and isinstance(value, str)):
        return
    expected = " or ".join("null" if t is type(None) else t.__name__ for t in allowed)
    raise SettingError(name, f"{value!r} is not {'an' if expected.startswith('int') else 'a'} {expected}")
