"""TF Model Garden checkpoints in our parameters: TF's outputs on TF's weights, and refusals that name the variable.

The fixtures (``tests/fixtures/tf_import/``) were written by TF Model Garden 2.20 itself
(``benchmarks/tf_model_garden/make_import_fixtures.py``): SpineNet-49 and Mobile SpineNet-49 at tiny widths with
random weights, BN statistics included, and their outputs on a random image.
"""

import dataclasses
import json
import subprocess

import jax.numpy as jnp
import numpy as np
import pytest
from speed_tf import TF_PYTHON

from proxy_task.backbones import BackboneOptions, build_backbone
from proxy_task.tf_import.checkpoint_reader import read_variables
from proxy_task.tf_import.convert import ImportMismatchError, convert
from search_space import SPINENET_49, decode, export_spec, get_builtin, get_space
from search_space.sampling import sample_uniform
from search_space.scaling import Scaling
from search_space.spec import MBCONV, MOBILE_STEM
from tests.paths import REPO

FIXTURES = REPO / "tests" / "fixtures" / "tf_import"
WRITER = REPO / "benchmarks" / "tf_model_garden" / "write_parity_fixture.py"


def fixture(name: str):
    meta = json.loads((FIXTURES / name / "fixture.json").read_text())
    return get_builtin(meta["spec"]), Scaling(**meta["scaling"]), meta["activation"]


def relative_differences(folder, spec, scaling, activation) -> dict[int, float]:
    """Per level, the largest difference from TF's output over TF's largest output value."""
    variables = convert(read_variables(folder, "backbone/"), spec, scaling)
    saved = np.load(folder / "io.npz")
    model = build_backbone(spec, scaling, BackboneOptions(activation=activation))
    ours = model.apply(variables, jnp.asarray(saved["images"]), train=False)
    return {level: float(np.abs(np.asarray(ours[level]) - saved[f"level_{level}"]).max()
                         / np.abs(saved[f"level_{level}"]).max()) for level in range(3, 8)}


@pytest.mark.parametrize("name", ["spinenet-49", "spinenet-49-mobile"])
def test_tf_weights_give_tf_outputs(name):
    differences = relative_differences(FIXTURES / name, *fixture(name))
    assert max(differences.values()) <= 1e-4, differences


def test_another_scaling_is_refused_at_the_first_variable_that_does_not_fit():
    spec, scaling, _ = fixture("spinenet-49-mobile")
    with pytest.raises(ImportMismatchError, match=r"conv2d(_\d+)?/kernel .* has shape \[1, 1, \d+, 8\]; the spec has "
                                                  r"\[1, 1, \d+, 16\] at params/endpoint_\d/conv/kernel"):
        convert(read_variables(FIXTURES / "spinenet-49-mobile", "backbone/"), spec,
                scaling.replace(endpoints_num_filters=16))


def test_another_architecture_is_refused():
    _, scaling, _ = fixture("spinenet-49")
    other = dataclasses.replace(SPINENET_49, blocks=SPINENET_49.blocks[:4] + tuple(
        dataclasses.replace(block, block_fn="residual") for block in SPINENET_49.blocks[4:]))
    with pytest.raises(ImportMismatchError, match="has 13 bottleneck_block layers where the spec builds 5"):
        convert(read_variables(FIXTURES / "spinenet-49", "backbone/"), other, scaling)


@pytest.mark.slow
@pytest.mark.skipif(not TF_PYTHON.exists(), reason="needs .venv-tfmg (benchmarks/tf_model_garden/setup_env.sh)")
@pytest.mark.parametrize("space, seed, mobile", [("spinenet-49", 1, False), ("r0-sp53", 2, False),
                                                 ("spinenet-49", 3, True)])
def test_fresh_tf_checkpoints_of_sampled_architectures(space, seed, mobile, tmp_path):
    """Samples of the spaces TF can build, and one made of MBConv blocks, through a checkpoint TF writes now."""
    spec = decode(get_space(space), sample_uniform(get_space(space), np.random.default_rng(seed)))
    scaling = fixture("spinenet-49")[1]
    if mobile:
        spec = dataclasses.replace(spec, stem=MOBILE_STEM, blocks=tuple(
            dataclasses.replace(block, block_fn=MBCONV) for block in spec.blocks))
        scaling = fixture("spinenet-49-mobile")[1]
    (tmp_path / "module.py").write_text(export_spec(spec, "tf", scaling))
    run = subprocess.run([str(TF_PYTHON), str(WRITER), str(tmp_path / "module.py"), str(tmp_path), "--images", "1"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    differences = relative_differences(tmp_path, spec, scaling, "relu")
    assert max(differences.values()) <= 1e-4, differences
