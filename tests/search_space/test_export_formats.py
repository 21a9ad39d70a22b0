"""export_spec: TF Model Garden golden lists, and json/python round trips."""

from __future__ import annotations

import dataclasses
import importlib.util

import numpy as np
import pytest

from search_space.sampling import sample_uniform
from search_space import (
    BUILTIN_SPACES, R35_SP18, R50_FPN, SPINENET_49, SpecError, decode, export_spec, get_builtin,
    get_scaling, load_spec_file, spec_from_json,
)
from search_space.spec import SpineNetSpec, StemSpec

# official/vision/modeling/backbones/spinenet.py (tensorflow/models 00b830c7, tf-models-official
# 2.20.0) SPINENET_BLOCK_SPECS; the first 15 entries are the TPU/paper list (spinenet.md §1.1, §1.2).
TF_SPINENET_BLOCK_SPECS_TEXT = """\
    (2, 'bottleneck', (0, 1), False),
    (4, 'residual', (0, 1), False),
    (3, 'bottleneck', (2, 3), False),
    (4, 'bottleneck', (2, 4), False),
    (6, 'residual', (3, 5), False),
    (4, 'bottleneck', (3, 5), False),
    (5, 'residual', (6, 7), False),
    (7, 'residual', (6, 8), False),
    (5, 'bottleneck', (8, 9), False),
    (5, 'bottleneck', (8, 10), False),
    (4, 'bottleneck', (5, 10), True),
    (3, 'bottleneck', (4, 10), True),
    (5, 'bottleneck', (7, 12), True),
    (7, 'bottleneck', (5, 14), True),
    (6, 'bottleneck', (12, 14), True),
    (2, 'bottleneck', (2, 13), True),
"""
TF_SPINENET_BLOCK_SPECS = eval("[" + TF_SPINENET_BLOCK_SPECS_TEXT + "]")  # literals only
# SCALING_MAP of the same file (spinenet.md §2.2).
TF_SCALING_MAP = {
    "49S": {"endpoints_num_filters": 128, "filter_size_scale": 0.65, "resample_alpha": 0.5, "block_repeats": 1},
    "49": {"endpoints_num_filters": 256, "filter_size_scale": 1.0, "resample_alpha": 0.5, "block_repeats": 1},
    "96": {"endpoints_num_filters": 256, "filter_size_scale": 1.0, "resample_alpha": 0.5, "block_repeats": 2},
    "143": {"endpoints_num_filters": 256, "filter_size_scale": 1.0, "resample_alpha": 1.0, "block_repeats": 3},
    "143L": {"endpoints_num_filters": 256, "filter_size_scale": 1.3, "resample_alpha": 1.0, "block_repeats": 3},
    "190": {"endpoints_num_filters": 512, "filter_size_scale": 1.3, "resample_alpha": 1.0, "block_repeats": 4},
}


def import_text(text: str, tmp_path, name: str = "exported"):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def space_samples(count: int = 4) -> list[SpineNetSpec]:
    rng = np.random.default_rng(0)
    return [decode(space, sample_uniform(space, rng)) for space in BUILTIN_SPACES.values() for _ in range(count)]


def test_tf_export_of_tf16_is_model_gardens_list(tmp_path):
    text = export_spec(get_builtin("spinenet-49-tf16"), "tf")
    assert "BLOCK_SPECS = [\n" + TF_SPINENET_BLOCK_SPECS_TEXT + "]\n" in text
    module = import_text(text, tmp_path)
    assert module.BLOCK_SPECS == TF_SPINENET_BLOCK_SPECS
    assert module.SCALING == TF_SCALING_MAP["49"]
    assert (module.MIN_LEVEL, module.MAX_LEVEL) == (3, 7)
    assert "block_specs=spinenet.build_block_specs(BLOCK_SPECS)" in text


def test_tf_export_of_paper_spinenet49_is_the_15_block_list(tmp_path):
    module = import_text(export_spec(SPINENET_49, "tf"), tmp_path)
    assert module.BLOCK_SPECS == TF_SPINENET_BLOCK_SPECS[:15]
    # Our loader reads the TF module back as the same blocks.
    assert load_spec_file(tmp_path / "exported.py").blocks == SPINENET_49.blocks


@pytest.mark.parametrize("variant", sorted(TF_SCALING_MAP))
def test_tf_scaling_matches_scaling_map(variant, tmp_path):
    module = import_text(export_spec(SPINENET_49, "tf", get_scaling(variant)), tmp_path, f"s{variant}")
    assert module.SCALING == TF_SCALING_MAP[variant]
    assert list(module.SCALING) == list(TF_SCALING_MAP[variant])  # same key order as TF


def test_tf_export_of_space_samples_keeps_their_tuples(tmp_path):
    samples = [s for s in space_samples() if s.stem == StemSpec((2, 2))]
    assert {s.name for s in samples} == {"r0-sp53", "spinenet-49"}
    for i, spec in enumerate(samples):
        assert import_text(export_spec(spec, "tf"), tmp_path, f"tf_{i}").BLOCK_SPECS == spec.block_tuples()


def test_tf_export_refuses_resnet_stems_and_fpn():
    spec = decode(R35_SP18, sample_uniform(R35_SP18, np.random.default_rng(1)))
    with pytest.raises(ValueError, match=r"stem \[2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 5\].*two L2 bottleneck"):
        export_spec(spec, "tf")
    with pytest.raises(ValueError, match="ResNet-FPN"):
        export_spec(R50_FPN, "tf")


def test_unknown_format_and_invalid_spec_are_refused():
    with pytest.raises(ValueError, match="unknown export format 'yaml'"):
        export_spec(SPINENET_49, "yaml")
    bad = dataclasses.replace(SPINENET_49, blocks=SPINENET_49.blocks[:-1])
    with pytest.raises(SpecError, match="no output block at level L6"):
        export_spec(bad, "json")


def test_json_round_trip(random_specs):
    for spec in random_specs(40, seed=3) + space_samples() + [R50_FPN, SPINENET_49]:
        assert spec_from_json(export_spec(spec, "json")) == spec


def test_python_round_trip_by_import(random_specs, tmp_path):
    for i, spec in enumerate(random_specs(25, seed=4) + space_samples()):
        assert import_text(export_spec(spec, "python"), tmp_path, f"spec_{i}").SPEC == spec


def test_python_round_trip_through_load_spec_file(random_specs, tmp_path):
    specs = random_specs(40, seed=5) + space_samples()
    assert any(s.stem != StemSpec((2, 2)) for s in specs)  # ResNet stems and other levels too
    for i, spec in enumerate(specs):
        path = tmp_path / f"arch_{i}.py"
        path.write_text(export_spec(spec, "python"))
        assert load_spec_file(path) == dataclasses.replace(spec, name=f"arch_{i}")


def test_python_export_refuses_resnet_fpn():
    with pytest.raises(ValueError, match="ResNet-FPN.*fmt='json'"):
        export_spec(R50_FPN, "python")
