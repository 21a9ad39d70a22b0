"""Numerics of the proxy training: NaN detection, bfloat16 compute, data parallelism."""

import dataclasses
import os
import subprocess
import sys
import textwrap

import pytest

from proxy_task.config import get_preset
from proxy_task.train import train_and_evaluate
from proxy_task.train_step import NonFiniteLossError
from search_space import spec_from_tuples

# The smallest SpineNet that still has both block types, an intermediate block and
# resampling up and down between levels: it compiles in about half SpineNet-49's time.
SMALL_SPEC = spec_from_tuples([
    (4, "residual", (0, 1), False),
    (3, "bottleneck", (1, 2), True),
    (5, "residual", (2, 3), True),
    (7, "bottleneck", (3, 4), True),
    (6, "residual", (2, 5), True),
    (4, "bottleneck", (3, 6), True),
], name="small")


def smoke_config(tmp_path, train=None, model=None):
    """The smoke preset on a data directory of the test's own, with ``train`` and ``model`` fields replaced."""
    config = get_preset("smoke")
    return dataclasses.replace(
        config, data=dataclasses.replace(config.data, data_dir=str(tmp_path / "tfds")),
        train=dataclasses.replace(config.train, **(train or {})),
        model=dataclasses.replace(config.model, **(model or {})))


@pytest.mark.slow
def test_exploding_training_raises_a_catchable_nan_error(tmp_path):
    config = smoke_config(tmp_path, train={"base_learning_rate": 1e30, "warmup_fraction": 0.0})
    with pytest.raises(NonFiniteLossError, match="NaN/inf by step .*lower train.base_learning_rate"):
        train_and_evaluate(SMALL_SPEC, config, tmp_path / "work")
    assert issubclass(NonFiniteLossError, FloatingPointError)  # the CLI maps it to exit 1
    assert not (tmp_path / "work" / "result.json").exists()


@pytest.mark.slow
def test_bfloat16_compute_trains_to_a_finite_loss(tmp_path):
    config = smoke_config(tmp_path, model={"compute_dtype": "bfloat16"})
    result = train_and_evaluate(SMALL_SPEC, config, tmp_path / "work")
    assert result.final_loss == pytest.approx(result.final_loss)  # finite, not NaN
    assert 0.0 <= result.reward <= 1.0


# Runs in a child process: XLA fixes the number of host devices when JAX starts.
DATA_PARALLEL_CHECK = textwrap.dedent("""
    import functools, jax, jax.numpy as jnp, numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec
    from proxy_task.config import get_preset
    from proxy_task.detection import AnchorConfig, generate_anchors
    from proxy_task.optimizer import make_optimizer
    from proxy_task.retinanet import RetinaNet
    from proxy_task.train_step import StepContext, create_state, train_step
    from search_space import spec_from_tuples

    assert jax.device_count() == 2, jax.devices()
    # A small SpineNet (outputs straight from the stem) keeps the two compilations short.
    SPEC = spec_from_tuples([(level, "bottleneck", (0, 1), True) for level in (3, 4, 5, 6, 7)], name="tiny")
    config = get_preset("smoke")
    size, batch_size, num_classes = config.scaling.input_size, 4, 5
    context = StepContext(
        model=RetinaNet(SPEC, config.scaling, num_classes, config.model),
        optimizer=make_optimizer(config.train, batch_size, 10),
        anchors=generate_anchors(AnchorConfig(3, 7, anchor_size=config.scaling.anchor_size), size),
        num_classes=num_classes, match=config.match, loss=config.loss, postprocess=config.postprocess)
    rng = np.random.default_rng(0)
    corner = rng.uniform(0, size / 2, (batch_size, 3, 2))
    batch = {"image": rng.normal(size=(batch_size, size, size, 3)).astype(np.float32),
             "boxes": np.concatenate([corner, corner + size / 3], -1).astype(np.float32),
             "classes": rng.integers(1, num_classes, (batch_size, 3)).astype(np.int32),
             "is_crowd": np.zeros((batch_size, 3), bool)}
    mesh = Mesh(np.array(jax.devices()), ("data",))
    replicated = NamedSharding(mesh, PartitionSpec())
    results = []
    for spec in (PartitionSpec("data"), PartitionSpec()):  # split over 2 devices, then whole on each
        state = create_state(context, config, replicated)
        step = jax.jit(functools.partial(train_step, context))
        placed = jax.device_put(batch, NamedSharding(mesh, spec))
        for _ in range(2):
            state, metrics = step(state, placed)
        if spec == PartitionSpec("data"):
            assert len(placed["image"].sharding.device_set) == 2
            assert placed["image"].addressable_shards[0].data.shape[0] == batch_size // 2
        results.append((float(metrics["total_loss"]), jax.device_get(state.params)))
    (loss_a, params_a), (loss_b, params_b) = results
    np.testing.assert_allclose(loss_a, loss_b, rtol=1e-4)
    for a, b in zip(jax.tree.leaves(params_a), jax.tree.leaves(params_b)):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
    print("DATA-PARALLEL-OK", loss_a)
""")


@pytest.mark.slow
def test_data_parallel_step_over_two_devices_equals_the_single_batch_step():
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=2".strip()
    env = dict(os.environ, XLA_FLAGS=flags, JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-c", DATA_PARALLEL_CHECK], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "DATA-PARALLEL-OK" in done.stdout
