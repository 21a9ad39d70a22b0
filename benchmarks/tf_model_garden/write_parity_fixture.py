"""A TF Model Garden SpineNet with random weights, its checkpoint, and its outputs on random images.

Run with the Python of ``.venv-tfmg``, on a module that ``spinenet-nas export --format tf`` wrote::

    .venv-tfmg/bin/python benchmarks/tf_model_garden/write_parity_fixture.py MODULE.py OUT [--activation swish]

It builds the module's backbone (``SpineNet``, or ``SpineNetMobile`` for MBConv
blocks) at the module's ``INPUT_SIZE``, gives every variable random values (BN
statistics, scales and offsets included, so that a wrong pairing shows), saves
``OUT/ckpt-1`` with ``tf.train.Checkpoint(backbone=...)`` (keys under
``backbone/``), and writes ``OUT/io.npz``: ``images`` (``--images`` random
images) and ``level_3``..``level_7``, the backbone's outputs in inference mode.
``--float64`` builds and runs it in float64, where a faithful port agrees to
rounding (1e-15), so that no difference can hide in float32 noise.
"""

from __future__ import annotations

import argparse
import os
import runpy

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402  (Model Garden's Keras 2)
from official.vision.modeling.backbones import spinenet, spinenet_mobile  # noqa: E402


def build(module: dict, activation: str):
    mobile = any(block[1] == "mbconv" for block in module["BLOCK_SPECS"])
    library = spinenet_mobile if mobile else spinenet
    cls = spinenet_mobile.SpineNetMobile if mobile else spinenet.SpineNet
    size = module["INPUT_SIZE"]
    return cls(input_specs=tf_keras.layers.InputSpec(shape=[None, size, size, 3]), min_level=module["MIN_LEVEL"],
               max_level=module["MAX_LEVEL"], block_specs=library.build_block_specs(module["BLOCK_SPECS"]),
               activation=activation, **module["SCALING"])


def randomize(model, rng: np.random.Generator) -> None:
    for variable in model.variables:
        name, shape = variable.name, variable.shape
        if "moving_variance" in name:
            value = rng.uniform(0.5, 2.0, shape)
        elif "gamma" in name:
            value = rng.uniform(0.5, 1.5, shape)
        elif any(part in name for part in ("beta", "moving_mean", "bias")):
            value = rng.normal(0.0, 0.2, shape)
        else:  # kernels: variance-preserving, so that features neither vanish nor blow up
            fan_in = int(np.prod(shape[:-1])) if "depthwise" not in name else int(np.prod(shape[:2]))
            value = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        variable.assign(value.astype(variable.dtype.as_numpy_dtype))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module")
    parser.add_argument("out")
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--images", type=int, default=2)
    parser.add_argument("--float64", action="store_true", help="build and run in float64 (no rounding to blame)")
    args = parser.parse_args(argv)
    if args.float64:
        tf_keras.backend.set_floatx("float64")
    module = runpy.run_path(args.module)
    model = build(module, args.activation)
    rng = np.random.default_rng(args.seed)
    randomize(model, rng)
    os.makedirs(args.out, exist_ok=True)
    tf.train.Checkpoint(backbone=model).save(os.path.join(args.out, "ckpt"))
    size = module["INPUT_SIZE"]
    images = rng.normal(0.0, 1.0, (args.images, size, size, 3)).astype(tf_keras.backend.floatx())
    outputs = model(images, training=False)
    np.savez(os.path.join(args.out, "io.npz"), images=images,
             **{f"level_{level}": np.asarray(value) for level, value in outputs.items()})
    print(f"wrote {args.out}: {sum(int(np.prod(v.shape)) for v in model.variables):,} values")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
