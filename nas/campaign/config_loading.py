"""Loading a campaign's config: from ``--set`` assignments, a JSON/TOML file, or campaign.json.

Every route goes through ``nas.overrides`` onto the defaults of the preset
named by ``preset``; ``CampaignConfig`` and its parts check their own values.
``check_resume_overrides`` says which keys ``resume`` may change.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path
from typing import Any, Sequence

from nas.campaign.config import CampaignConfig
from nas.overrides import ConfigError, apply_values, check_key, get_value, parse_assignment, valid_keys
from proxy_task.config import PRESETS, get_preset

# Keys ``resume`` accepts: they change the budget or the machines, not what
# the searcher has learned or how trials are scored.
RESUMABLE_KEYS = (
    "search.num_trials", "search.device_hours", "search.max_failures", "search.concurrency",
    "resources.", "trial.time_limit_s", "trial.infra_retries", "trial.nice", "output.",
)


def resolve(assignments: Sequence[str] = (), file: str | Path | None = None) -> CampaignConfig:
    """The config from a file and ``key=value`` assignments (a later one wins), checked.

    Raises:
      ConfigError: an unknown key or a bad value, with the fix.
    """
    values = dict(read_file(file)) if file else {}
    values.update(parse_assignment(assignment, example="search.num_trials=8") for assignment in assignments)
    config = from_values(values)
    return with_derived_defaults(config)


def from_values(values: dict[str, Any]) -> CampaignConfig:
    """Applies ``{dotted key: value}`` to the defaults of the preset named by ``preset``."""
    preset = values.get("preset", CampaignConfig.preset)
    if preset not in PRESETS:
        raise ConfigError(f"preset={preset!r}: unknown preset; choose one of {sorted(PRESETS)}")
    base = CampaignConfig(preset=preset, proxy=get_preset(preset))
    return apply_values(base, _merge_dict_items(base, values))  # each config checks its values


def with_derived_defaults(config: CampaignConfig) -> CampaignConfig:
    """Fixes defaults that depend on other keys, so that campaign.json states them."""
    search = config.search
    if search.searcher == "reinforce" and search.mode == "sync" and "batch_size" not in search.settings:
        search = dataclasses.replace(search, settings={**search.settings, "batch_size": search.concurrency})
    return dataclasses.replace(config, search=search)


def _is_dict_item(base: CampaignConfig, key: str, keys: list[str]) -> bool:
    """Whether ``key`` names an entry of a dict-valued key (``search.settings.lr``)."""
    parent = key.rpartition(".")[0]
    return key not in keys and parent in keys and isinstance(get_value(base, parent), dict)


def _merge_dict_items(base: CampaignConfig, values: dict[str, Any]) -> dict[str, Any]:
    """``search.settings.lr=0.1`` -> an entry of the dict-valued key ``search.settings``."""
    keys = valid_keys(base)
    merged: dict[str, Any] = {}
    items: list[tuple[str, str, Any]] = []
    for key, value in values.items():
        parent, _, item = key.rpartition(".")
        if _is_dict_item(base, key, keys):
            items.append((parent, item, value))
        else:
            check_key(base, key, keys)
            merged[key] = value
    for parent, item, value in items:
        current = merged.get(parent, get_value(base, parent))
        if not isinstance(current, dict):
            raise ConfigError(f"{parent}: expected a JSON object, got {current!r}")
        merged[parent] = {**current, item: value}
    return merged


def read_file(path: str | Path) -> dict[str, Any]:
    """A JSON or TOML config file as ``{dotted key: value}`` (nested tables flatten)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text()) if path.suffix == ".toml" else json.loads(path.read_text())
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"config file {str(path)!r} is malformed: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold an object of keys, e.g. {{\"search\": {{\"num_trials\": 8}}}}")
    return flatten(data)


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys; dict-valued leaves (``settings``, ``custom``...) stay dicts."""
    leaves = set(valid_keys(CampaignConfig()))
    flat: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and key not in leaves:
            flat.update(flatten(value, f"{key}."))
        else:
            flat[key] = value
    return flat


def to_dict(config: CampaignConfig) -> dict[str, Any]:
    """The config as nested JSON-able dicts (what campaign.json stores)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def from_dict(data: dict[str, Any]) -> CampaignConfig:
    """Inverse of ``to_dict``; refuses a dict this version cannot rebuild exactly."""
    config = from_values(flatten(data))
    if to_dict(config) != data:
        raise ConfigError("the saved campaign config does not rebuild exactly with this version of spinenet-nas")
    return config


def check_resume_overrides(assignments: Sequence[str]) -> None:
    """Refuses keys that would change what the campaign has learned so far."""
    base = CampaignConfig()
    keys = valid_keys(base)
    for assignment in assignments:
        key = assignment.partition("=")[0].strip()
        if not _is_dict_item(base, key, keys):
            check_key(base, key, keys)  # an unknown key: say so, with the valid keys
        if not any(key == k or (k.endswith(".") and key.startswith(k)) for k in RESUMABLE_KEYS):
            raise ConfigError(
                f"{key!r} cannot change when resuming (the searcher's state depends on it); "
                f"resume accepts {', '.join(k + '*' if k.endswith('.') else k for k in RESUMABLE_KEYS)}"
            )
