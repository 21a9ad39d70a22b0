"""An imported backbone on disk: its spec, its scaling and its Flax variables, written atomically.

    DIR/backbone.npz   params/<path> and batch_stats/<path> arrays of ``build_backbone(spec, scaling)``
    DIR/import.json    the spec, the scaling, where the weights came from and how many there are
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import numpy as np
from flax.traverse_util import flatten_dict, unflatten_dict

from search_space.scaling import Scaling
from search_space.serialization import spec_from_dict, spec_to_dict
from search_space.spec import SpineNetSpec
from storage.atomic_file import write_atomic

FORMAT, VERSION = "spinenet-nas/tf-import", 1


def save_imported(out: Path, spec: SpineNetSpec, scaling: Scaling, variables: dict, source: dict) -> dict:
    """Writes ``DIR/backbone.npz`` then ``DIR/import.json`` (last: its presence means the import is whole)."""
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"/".join((collection, *path)): np.asarray(value) for collection, tree in variables.items()
              for path, value in flatten_dict(tree).items()}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomic(out / "backbone.npz", buffer.getvalue())
    meta = {"format": FORMAT, "version": VERSION, "spec": spec_to_dict(spec), "scaling": dataclasses.asdict(scaling),
            "source": source, "arrays": len(arrays), "values": int(sum(a.size for a in arrays.values()))}
    write_atomic(out / "import.json", (json.dumps(meta, indent=2) + "\n").encode())
    return meta


def load_imported(directory: str | Path) -> tuple[SpineNetSpec, Scaling, dict]:
    """``(spec, scaling, variables)``: ``build_backbone(spec, scaling).apply(variables, images)`` runs it."""
    directory = Path(directory)
    meta = json.loads((directory / "import.json").read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{directory}/import.json is not an import-tf record (format {meta.get('format')!r})")
    trees: dict[str, dict] = {}
    with np.load(directory / "backbone.npz") as arrays:
        for name in arrays.files:
            collection, *path = name.split("/")
            trees.setdefault(collection, {})[tuple(path)] = arrays[name]
    variables = {collection: unflatten_dict(leaves) for collection, leaves in trees.items()}
    return spec_from_dict(meta["spec"]), Scaling(**meta["scaling"]), variables
