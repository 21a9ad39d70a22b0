import json

import pytest

from search_space import (
    SPINENET_49, R50_FPN, SpecError, spec_from_dict, spec_from_json, spec_from_tuples, spec_to_dict,
    spec_to_json, spec_to_tuples_text, validate,
)
from search_space.builtins import SPINENET_49_BLOCK_SPECS, SPINENET_49_TF16
from search_space.serialization import load_spec_file, spec_from_tuples_text
from search_space.spec import BlockSpec, SpineNetSpec, StemSpec


def test_specs_are_frozen_and_hashable():
    assert hash(SPINENET_49) == hash(spec_from_tuples(SPINENET_49_BLOCK_SPECS, name="spinenet-49"))
    with pytest.raises(Exception):
        SPINENET_49.blocks[0].level = 3
    # Lists are coerced to tuples so a spec built by hand stays hashable.
    block = BlockSpec(3, "bottleneck", [0, 1], True)
    assert block.parents == (0, 1) and hash(block)


@pytest.mark.parametrize("spec", [SPINENET_49, SPINENET_49_TF16, R50_FPN], ids=lambda s: s.name)
def test_json_round_trip_builtins(spec):
    text = spec_to_json(spec)
    assert spec_from_json(text) == spec
    assert json.loads(text)["kind"] == spec.kind


def test_json_round_trip_random_specs(random_specs):
    for spec in random_specs(200, seed=1):
        validate(spec)
        assert spec_from_dict(json.loads(json.dumps(spec_to_dict(spec)))) == spec


def test_official_tuples_round_trip_15_and_16_blocks():
    assert SPINENET_49.block_tuples() == SPINENET_49_BLOCK_SPECS
    assert len(SPINENET_49.blocks) == 15 and len(SPINENET_49_TF16.blocks) == 16
    for spec in (SPINENET_49, SPINENET_49_TF16):
        assert spec_from_tuples_text(spec_to_tuples_text(spec), name=spec.name) == spec
        validate(spec, 640)


def test_tuple_text_with_assignment_and_json_list(tmp_path):
    source = "SPINENET_BLOCK_SPECS = " + spec_to_tuples_text(SPINENET_49)
    path = tmp_path / "my_spec.py"
    path.write_text("import x\n" + source)
    assert load_spec_file(path).blocks == SPINENET_49.blocks
    as_json = tmp_path / "tuples.json"
    as_json.write_text(json.dumps([list(t) for t in SPINENET_49_BLOCK_SPECS]))
    assert load_spec_file(as_json).blocks == SPINENET_49.blocks


def test_resnet_stem_round_trip():
    stem = StemSpec.from_allocation({2: 2, 3: 3, 4: 5, 5: 1})
    assert stem.levels == (2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 5)
    assert stem.allocation() == {2: 2, 3: 3, 4: 5, 5: 1}
    spec = SpineNetSpec(SPINENET_49.blocks, stem)
    assert spec_from_json(spec_to_json(spec)) == spec


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("{not json", "malformed JSON at line 1"),
        ('{"blocks": [], "blcks": 1}', "unknown key(s) ['blcks']"),
        ('{"kind": "vit", "blocks": []}', "unknown kind 'vit'"),
        ('{"name": "x"}', "missing key 'blocks'"),
        ('{"blocks": [{"level": 3, "block_fn": "bottleneck", "parents": [0]}]}', "spec.blocks[0].parents: expected exactly 2"),
        ('{"blocks": [{"level": "3", "block_fn": "bottleneck", "parents": [0, 1]}]}', "spec.blocks[0].level: expected an integer, got '3'"),
        ('{"blocks": [{"level": 3, "parents": [0, 1]}]}', "missing key(s) ['block_fn']"),
        ('{"blocks": [{"level": 3, "block_fn": "bottleneck", "parents": [0, 1], "is_output": 1}]}', "is_output: expected true or false"),
        ('[[3, "bottleneck", [0, 1]]]', "block 0: expected a tuple"),
        ("[]", "non-empty list"),
    ],
)
def test_malformed_json_messages(text, fragment):
    with pytest.raises(SpecError) as err:
        spec_from_json(text)
    assert fragment in str(err.value)


def test_malformed_tuple_text():
    with pytest.raises(SpecError, match="no list of block tuples"):
        spec_from_tuples_text("nothing here")
    with pytest.raises(SpecError, match="unterminated"):
        spec_from_tuples_text("[(2, 'bottleneck', (0, 1), False),")
    with pytest.raises(SpecError, match="malformed block tuples"):
        spec_from_tuples_text("[(2, bottleneck, (0, 1), False)]")


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_spec_file(tmp_path / "nope.json")
