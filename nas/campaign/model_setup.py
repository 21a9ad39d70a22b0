"""``export/model.json``: the model a campaign's rewards were measured with, beside its exported specs.

A spec alone does not fix a model's size: the proxy trains it at a scaling (widths, alpha, head,
repeats), an input size and a dataset's class count. ``export`` writes these next to the specs so
that ``describe DIR/export/best.json`` reports the model the campaign trained (1.37 M parameters at
the cpu preset, say) rather than the full-size SpineNet-49 (25.1 M); ``--variant``,
``--input-size`` and ``--num-classes`` still override it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from proxy_task.data.class_count import num_classes
from search_space.scaling import Scaling
from storage.atomic_file import write_atomic

FILE_NAME = "model.json"
FORMAT = "spinenet-nas-model-setup"
VERSION = 1


@dataclasses.dataclass(frozen=True)
class ModelSetup:
    scaling: Scaling
    num_classes: int
    label: str  # e.g. "cpu proxy", in describe's header: "(variant cpu proxy: filter_size_scale 0.25, ...)"
    dataset: str


def campaign_model(config) -> dict[str, Any]:
    """model.json's content for a campaign ``config`` (``nas.campaign.config.CampaignConfig``)."""
    dataset = config.proxy.data.dataset
    return {"format": FORMAT, "version": VERSION, "preset": config.preset, "dataset": dataset,
            "num_classes": num_classes(dataset), "scaling": dataclasses.asdict(config.proxy.scaling)}


def write_model(out: Path, model: dict[str, Any]) -> Path:
    path = Path(out) / FILE_NAME
    write_atomic(path, json.dumps(model, indent=2, sort_keys=True).encode())
    return path


def model_beside(spec_path: str | Path) -> tuple[Path, ModelSetup] | None:
    """The setup in ``model.json`` beside a spec file, if there is one.

    Raises:
      ValueError: naming the file, when it is there but not a model setup of this version.
    """
    path = Path(spec_path).parent / FILE_NAME
    if not Path(spec_path).is_file() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        if (data.get("format"), data.get("version")) != (FORMAT, VERSION):
            raise ValueError(f"format {data.get('format')!r} version {data.get('version')!r}")
        setup = ModelSetup(Scaling(**data["scaling"]), int(data["num_classes"]), f"{data['preset']} proxy",
                           str(data["dataset"]))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{path} is not a model setup that `export` wrote ({err}); delete it, or give "
                         "--variant and --num-classes to describe the spec without it") from None
    return path, setup
