"""Mobile SpineNet specs: TF Model Garden's list and scaling, round trips, validation, the describe command."""

from __future__ import annotations

import dataclasses
import json

import pytest

from search_space import (
    SPINENET_49, SPINENET_49_MOBILE, SpecError, export_spec, get_scaling, load_spec_file, spec_from_json,
    spec_hash, validate,
)
from search_space.spec import MOBILE_STEM, StemSpec
from tests.search_space.test_export_formats import import_text

# official/vision/modeling/backbones/spinenet_mobile.py (tf-models-official 2.20.0) SPINENET_BLOCK_SPECS.
TF_MOBILE_BLOCK_SPECS_TEXT = """\
    (2, 'mbconv', (0, 1), False),
    (2, 'mbconv', (1, 2), False),
    (4, 'mbconv', (1, 2), False),
    (3, 'mbconv', (3, 4), False),
    (4, 'mbconv', (3, 5), False),
    (6, 'mbconv', (4, 6), False),
    (4, 'mbconv', (4, 6), False),
    (5, 'mbconv', (7, 8), False),
    (7, 'mbconv', (7, 9), False),
    (5, 'mbconv', (9, 10), False),
    (5, 'mbconv', (9, 11), False),
    (4, 'mbconv', (6, 11), True),
    (3, 'mbconv', (5, 11), True),
    (5, 'mbconv', (8, 13), True),
    (7, 'mbconv', (6, 15), True),
    (6, 'mbconv', (13, 15), True),
"""
# Its SCALING_MAP, with the config defaults se_ratio 0.2 and expand_ratio 6.
TF_MOBILE_SCALING = {
    "49-mobile": {"endpoints_num_filters": 48, "filter_size_scale": 1.0},
    "49S-mobile": {"endpoints_num_filters": 40, "filter_size_scale": 0.65},
    "49XS-mobile": {"endpoints_num_filters": 24, "filter_size_scale": 0.6},
}


@pytest.mark.parametrize("variant", sorted(TF_MOBILE_SCALING))
def test_tf_export_is_spinenet_mobiles_list_and_scaling(variant, tmp_path):
    text = export_spec(SPINENET_49_MOBILE, "tf", get_scaling(variant))
    assert "BLOCK_SPECS = [\n" + TF_MOBILE_BLOCK_SPECS_TEXT + "]\n" in text
    assert "spinenet_mobile.SpineNetMobile(" in text and "resample_alpha" not in text
    module = import_text(text, tmp_path, "mobile_tf")
    assert module.SCALING == {**TF_MOBILE_SCALING[variant], "se_ratio": 0.2, "expand_ratio": 6, "block_repeats": 1}
    assert load_spec_file(tmp_path / "mobile_tf.py") == dataclasses.replace(SPINENET_49_MOBILE, name="mobile_tf")


def test_official_tuples_get_the_mobile_stem():
    assert SPINENET_49_MOBILE.stem == MOBILE_STEM == StemSpec((1, 2), "mbconv")
    assert SPINENET_49_MOBILE.is_mobile and not SPINENET_49.is_mobile
    tuples = eval("[" + TF_MOBILE_BLOCK_SPECS_TEXT + "]")  # literals only
    assert spec_from_json(json.dumps(tuples)) == dataclasses.replace(SPINENET_49_MOBILE, name="custom")


def test_json_and_python_round_trips(tmp_path):
    text = export_spec(SPINENET_49_MOBILE, "json")
    assert '"block_fn": "mbconv"' in text.split('"blocks"')[0]  # the stem says it is MBConv
    assert spec_from_json(text) == SPINENET_49_MOBILE
    assert '"block_fn"' not in export_spec(SPINENET_49, "json").split('"blocks"')[0]  # SpineNet's JSON is unchanged
    module = import_text(export_spec(SPINENET_49_MOBILE, "python"), tmp_path, "mobile_py")
    assert module.SPEC == SPINENET_49_MOBILE
    assert load_spec_file(tmp_path / "mobile_py.py") == dataclasses.replace(SPINENET_49_MOBILE, name="mobile_py")


def test_the_families_do_not_mix():
    with pytest.raises(SpecError, match="block 3 .*'bottleneck' cannot be built in a Mobile SpineNet"):
        blocks = list(SPINENET_49_MOBILE.blocks)
        blocks[3] = dataclasses.replace(blocks[3], block_fn="bottleneck")
        validate(dataclasses.replace(SPINENET_49_MOBILE, blocks=tuple(blocks)))
    with pytest.raises(SpecError, match="'mbconv' cannot be built in a SpineNet with a bottleneck stem"):
        validate(dataclasses.replace(SPINENET_49_MOBILE, stem=StemSpec((2, 2))))
    with pytest.raises(SpecError, match="mbconv stem starts at level 1, after the 3x3/2 conv"):
        validate(dataclasses.replace(SPINENET_49_MOBILE, stem=StemSpec((2, 2), "mbconv")))
    with pytest.raises(SpecError, match="stem block type 'ghost' is unknown"):
        validate(dataclasses.replace(SPINENET_49_MOBILE, stem=StemSpec((1, 2), "ghost")))


def test_the_hash_tells_the_families_apart():
    assert spec_hash(SPINENET_49_MOBILE) != spec_hash(SPINENET_49)
    assert spec_hash(dataclasses.replace(SPINENET_49_MOBILE, name="renamed")) == spec_hash(SPINENET_49_MOBILE)
