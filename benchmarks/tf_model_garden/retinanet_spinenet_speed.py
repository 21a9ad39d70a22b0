"""Training images/s of TF Model Garden's RetinaNet-SpineNet at our proxy scaling.

Run with the Python of ``.venv-tfmg`` (``setup_env.sh`` creates it; it holds
``tf-models-official``, which pins its own TensorFlow)::

    .venv-tfmg/bin/python benchmarks/tf_model_garden/retinanet_spinenet_speed.py \
        --input-size 128 --batch-size 16 --max-boxes 16 --num-classes 8

``benchmarks/speed.py`` runs it with ``--serve`` beside our JAX step: the model
is built and warmed up once, then each stdin line ``N`` times N steps and
prints one JSON line, so the two frameworks can alternate without paying TF's
tracing again. Without ``--serve`` it times ``--rounds`` rounds and prints one
JSON object.

What is timed is Model Garden's own training step, ``RetinaNetTask.train_step``
in a ``tf.function`` (graph mode, no XLA, as Model Garden trains by default):
``factory.build_retinanet`` from the ``retinanet_spinenet_coco`` experiment with
SpineNet-49 at the proxy scaling (registered as ``SCALING_MAP['proxy']``: filter
size scale 0.25, resample alpha 0.25, 64-d endpoints, 1 block repeat), head
4 x 64, ReLU, plain BN, no stochastic depth, L2 4e-5 on kernels, focal
(0.25, 1.5) + Huber (0.1, weight 50) losses and the experiment's SGD-momentum
optimizer, in float32 or, with ``--dtype bfloat16``, under Keras's
``mixed_bfloat16`` policy as Model Garden's ``runtime.mixed_precision_dtype``
sets it (bfloat16 compute, float32 variables and losses). Anchor labels are computed once, before timing,
with TF's ``AnchorLabeler`` from the same synthetic boxes as our side
(``benchmarks/speed_inputs.py``): Model Garden labels anchors in its tf.data
parser, so its step never includes labelling (ours does; this favours TF).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
from official.core import exp_factory  # noqa: E402
from official.modeling import performance  # noqa: E402
from official.vision import registry_imports  # noqa: E402,F401  (registers the experiments)
from official.vision.modeling.backbones import spinenet  # noqa: E402
from official.vision.ops import anchor  # noqa: E402
from official.vision.tasks.retinanet import RetinaNetTask  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from speed_inputs import Setting, synthetic_batch  # noqa: E402

# The paper's NAS proxy (spinenet.md §5.1), our get_scaling("proxy").
PROXY_SCALING = {"endpoints_num_filters": 64, "filter_size_scale": 0.25, "resample_alpha": 0.25, "block_repeats": 1}
HEAD_NUM_CONVS, HEAD_NUM_FILTERS, ANCHOR_SIZE = 4, 64, 3.0
MATCH_THRESHOLD, UNMATCHED_THRESHOLD = 0.5, 0.4  # our MatchConfig defaults


def experiment(setting: Setting, dtype: str = "float32"):
    """``retinanet_spinenet_coco`` changed to the proxy model at ``setting``, computing in ``dtype``."""
    spinenet.SCALING_MAP["proxy"] = PROXY_SCALING
    config = exp_factory.get_exp_config("retinanet_spinenet_coco")
    model = config.task.model
    model.backbone.spinenet.model_id = "proxy"
    model.backbone.spinenet.stochastic_depth_drop_rate = 0.0
    model.norm_activation.activation = "relu"
    model.norm_activation.use_sync_bn = False
    model.head.num_convs, model.head.num_filters = HEAD_NUM_CONVS, HEAD_NUM_FILTERS
    model.anchor.anchor_size = ANCHOR_SIZE
    model.num_classes = setting.num_classes
    model.input_size = [setting.input_size, setting.input_size, 3]
    config.task.train_data.global_batch_size = setting.batch_size
    config.runtime.mixed_precision_dtype = dtype
    return config


def labelled_batch(setting: Setting, config) -> tuple[tf.Tensor, dict]:
    """Our synthetic batch with TF anchor targets, batched as the tf.data parser would."""
    batch = synthetic_batch(setting)
    model = config.task.model
    anchor_boxes = anchor.build_anchor_generator(
        model.min_level, model.max_level, model.anchor.num_scales, model.anchor.aspect_ratios,
        model.anchor.anchor_size,
    )(image_size=(setting.input_size, setting.input_size))
    labeler = anchor.AnchorLabeler(MATCH_THRESHOLD, UNMATCHED_THRESHOLD)
    per_image = []
    for boxes, classes in zip(batch["boxes"], batch["classes"]):
        real = classes >= 0
        cls_t, box_t, _, cls_w, box_w = labeler.label_anchors(
            anchor_boxes, tf.constant(boxes[real]), tf.constant(classes[real][:, None])
        )
        per_image.append({"cls_targets": cls_t, "box_targets": box_t, "cls_weights": cls_w, "box_weights": box_w})
    labels = tf.nest.map_structure(lambda *xs: tf.stack(xs), *per_image)
    return tf.constant(batch["image"]), labels


class TfTrainer:
    """Model Garden's model, optimizer and train step at one setting, traced once."""

    def __init__(self, setting: Setting, dtype: str = "float32"):
        config = experiment(setting, dtype)
        # Model Garden's train_lib sets the global Keras policy before it builds anything.
        performance.set_mixed_precision_policy(config.runtime.mixed_precision_dtype)
        self.task = RetinaNetTask(config.task)
        self.model = self.task.build_model()
        self.optimizer = self.task.create_optimizer(config.trainer.optimizer_config, config.runtime)
        self.inputs = labelled_batch(setting, config)
        self._step = tf.function(lambda inputs: self.task.train_step(inputs, self.model, self.optimizer, []))
        self.trace_seconds = self.run(1)["seconds"]
        self.params = sum(int(tf.size(w)) for w in self.model.trainable_weights)

    def run(self, steps: int) -> dict:
        """Runs ``steps`` steps: ``{'seconds': wall, 'cpu_seconds': this process's CPU time}``."""
        start, cpu = time.perf_counter(), time.process_time()
        logs = None
        for _ in range(steps):
            logs = self._step(self.inputs)
        if logs is not None:
            float(logs["loss"])  # wait for the last step
        return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="custom")
    parser.add_argument("--input-size", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--max-boxes", type=int, default=100)
    parser.add_argument("--num-classes", type=int, default=80)
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32",
                        help="compute dtype (bfloat16: Keras mixed_bfloat16, as Model Garden's runtime sets it)")
    parser.add_argument("--warmup", type=int, default=2, help="steps run after tracing, before timing")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help="time N steps per stdin line N; JSON line each")
    args = parser.parse_args(argv)
    setting = Setting(args.name, args.input_size, args.batch_size, args.max_boxes, args.num_classes)
    trainer = TfTrainer(setting, args.dtype)
    trainer.run(args.warmup)
    info = {"setting": setting.to_dict(), "dtype": args.dtype, "tf_version": tf.__version__,
            "models_version": _models_version(),
            "params": trainer.params, "trace_seconds": trainer.trace_seconds,
            "threads": [tf.config.threading.get_intra_op_parallelism_threads(),
                        tf.config.threading.get_inter_op_parallelism_threads()]}
    if args.serve:
        print(json.dumps({"event": "ready", **info}), flush=True)
        for line in sys.stdin:
            steps = int(line)
            print(json.dumps({"event": "timed", "steps": steps, **trainer.run(steps)}), flush=True)
        return 0
    seconds = [trainer.run(args.steps)["seconds"] for _ in range(args.rounds)]
    print(json.dumps({**info, "steps": args.steps, "seconds": seconds,
                      "images_per_second": [args.steps * args.batch_size / s for s in seconds]}))
    return 0


def _models_version() -> str:
    from importlib.metadata import version
    return version("tf-models-official")


if __name__ == "__main__":
    sys.exit(main())
