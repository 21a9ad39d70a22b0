"""The TF Model Garden recipe of an exported spec: one text in docs/export.md and in every module, and it builds our network.

The build runs in TF Model Garden's own environment, ``.venv-tfmg``
(``bash benchmarks/tf_model_garden/setup_env.sh``), and is skipped where it is missing.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import textwrap

import numpy as np
import pytest

from search_space.sampling import sample_uniform
from search_space import SPINENET_49, SPINENET_49_MOBILE, decode, export_spec, get_builtin, get_scaling
from search_space.cost import count_cost
from search_space.export import TF_MOBILE_RECIPE, TF_RECIPE
from search_space.spaces import get_space
from search_space.spec import MBCONV, MOBILE_STEM
from speed_tf import TF_PYTHON  # benchmarks/: the one path of TF Model Garden's environment

from tests.paths import REPO

# Runs each exported module, then the recipe in its namespace; prints trainable parameters per module.
BUILD = """
import json, runpy, sys
import numpy as np
recipe = sys.stdin.read()
counts = {}
for path in sys.argv[1:]:
    namespace = runpy.run_path(path)
    exec(recipe, namespace)
    counts[path] = int(sum(np.prod(w.shape) for w in namespace["backbone"].trainable_weights))
print("COUNTS " + json.dumps(counts))
"""


def test_the_docs_and_every_exported_module_give_the_same_recipe():
    assert TF_RECIPE in (REPO / "docs" / "export.md").read_text()
    text = export_spec(SPINENET_49, "tf", get_scaling("96"))
    assert textwrap.indent(TF_RECIPE, "    ") in text
    assert "\nINPUT_SIZE = 1024\n" in text and "input_specs=tf.keras.layers.InputSpec" in text


def exported_specs():
    """SpineNet-49 both ways and samples of the two spaces TF can express (their dangling blocks vary)."""
    rng = np.random.default_rng(0)
    samples = [decode(get_space(name), sample_uniform(get_space(name), rng))
               for name in ("spinenet-49", "r0-sp53") for _ in range(3)]
    return [SPINENET_49, get_builtin("spinenet-49-tf16"), *samples]


@pytest.mark.slow
@pytest.mark.skipif(not TF_PYTHON.exists(), reason="needs .venv-tfmg (benchmarks/tf_model_garden/setup_env.sh)")
def test_the_recipe_builds_exported_specs_with_our_parameter_counts(tmp_path):
    check_tf_counts(exported_specs(), get_scaling("49"), TF_RECIPE, tmp_path)


def check_tf_counts(specs, scaling, recipe: str, tmp_path) -> None:
    """TF Model Garden builds each exported spec with ``recipe`` with the parameters we count."""
    expected = {}
    for index, spec in enumerate(specs):
        path = tmp_path / f"exported_{index}.py"
        path.write_text(export_spec(spec, "tf", scaling))
        expected[str(path)] = count_cost(spec, scaling).backbone_params
    run = subprocess.run([str(TF_PYTHON), "-c", BUILD, *expected], input=recipe, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    [line] = [line for line in run.stdout.splitlines() if line.startswith("COUNTS ")]
    assert json.loads(line.removeprefix("COUNTS ")) == expected


def mobile_specs(random_specs):
    """Mobile SpineNet-49 and random networks of MBConv blocks (with their dangling blocks and odd levels)."""
    specs = [spec for spec in random_specs(30, seed=7) if spec.num_stem == 2][:4]
    mobile = [dataclasses.replace(spec, stem=MOBILE_STEM, blocks=tuple(
        dataclasses.replace(block, block_fn=MBCONV) for block in spec.blocks)) for spec in specs]
    return [SPINENET_49_MOBILE, *mobile]


@pytest.mark.slow
@pytest.mark.skipif(not TF_PYTHON.exists(), reason="needs .venv-tfmg (benchmarks/tf_model_garden/setup_env.sh)")
@pytest.mark.parametrize("variant", ["49-mobile", "49XS-mobile"])
def test_spinenet_mobile_builds_exported_mobile_specs_with_our_parameter_counts(variant, random_specs, tmp_path):
    check_tf_counts(mobile_specs(random_specs), get_scaling(variant).replace(input_size=256), TF_MOBILE_RECIPE,
                    tmp_path)
