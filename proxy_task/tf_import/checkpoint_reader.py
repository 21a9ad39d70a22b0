"""TF checkpoint variables with the Keras names they were created under (TensorFlow imported on first use).

A TF2 checkpoint keys each variable by its object path (``model/backbone/
layer_with_weights-95/kernel/.ATTRIBUTES/VARIABLE_VALUE``); its object graph
also records the variable's own name (``conv2d_21/kernel``), which is what
``proxy_task.tf_import.convert`` maps. A SavedModel's ``variables/variables``
is such a checkpoint too.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np

SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
# A Keras functional model keys its layers so; a key under the prefix that starts otherwise is not a layer's.
LAYER_KEY = re.compile(r"^layer(_with_weights)?-\d+/")


@dataclasses.dataclass(frozen=True)
class TfVariable:
    key: str  # the checkpoint key, less the prefix and the suffix: "layer_with_weights-10/_conv2/kernel"
    full_name: str  # the variable's name: "inverted_bottleneck_block_2/conv2d_1/kernel"
    value: np.ndarray


def checkpoint_path(source: str | Path) -> str:
    """The checkpoint prefix of ``source``: a checkpoint (its prefix or ``.index``), its folder, or a SavedModel."""
    from proxy_task.data.tensorflow_cpu import tf

    source = Path(source)
    if (source / "saved_model.pb").exists():
        return str(source / "variables" / "variables")
    if source.is_dir():
        latest = tf.train.latest_checkpoint(str(source))
        if latest is None:
            raise FileNotFoundError(f"{source} holds no TF checkpoint (no 'checkpoint' file) and no SavedModel; "
                                    "give the checkpoint's prefix, e.g. DIR/ckpt-1000")
        return latest
    if source.suffix == ".index" or str(source).endswith(".data-00000-of-00001"):
        return str(source).rsplit(".", 1)[0] if source.suffix == ".index" else str(source).split(".data-")[0]
    if not Path(str(source) + ".index").exists():
        raise FileNotFoundError(f"{source} is no TF checkpoint (no {source}.index) and no SavedModel folder")
    return str(source)


def read_variables(source: str | Path, prefix: str) -> list[TfVariable]:
    """The layers' variables of the Keras model keyed at ``prefix`` in ``source`` (e.g. ``model/backbone/``)."""
    from proxy_task.data.tensorflow_cpu import tf
    from tensorflow.core.protobuf.trackable_object_graph_pb2 import TrackableObjectGraph

    reader = tf.train.load_checkpoint(checkpoint_path(source))
    graph = TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    found = []
    for node in graph.nodes:
        for attribute in node.attributes:
            key = attribute.checkpoint_key
            if key.startswith(prefix) and key.endswith(SUFFIX) and LAYER_KEY.match(key[len(prefix):]):
                found.append(TfVariable(key[len(prefix):-len(SUFFIX)], attribute.full_name,
                                        np.asarray(reader.get_tensor(key))))
    return found


def key_prefixes(source: str | Path) -> list[str]:
    """Where variables sit in ``source``: the distinct first two segments of its keys (for messages)."""
    from proxy_task.data.tensorflow_cpu import tf

    keys = [name for name, _ in tf.train.list_variables(checkpoint_path(source)) if name.endswith(SUFFIX)]
    return sorted({"/".join(key.split("/")[:2]) + "/" for key in keys})
