"""The held-out rules: 7,392 of 118,287 train2017 images, reproducibly."""

import json

import numpy as np
import pytest

from proxy_task.data import DatasetNotFoundError, heldout
from proxy_task.data.make_heldout_ids import main as make_heldout_ids


def _fake_train2017_ids():
    # As many ids as train2017, sparse and in a scrambled (annotation-file-like) order.
    rng = np.random.default_rng(0)
    ids = np.sort(rng.choice(600_000, size=heldout.COCO_TRAIN2017_SIZE, replace=False))
    return rng.permutation(ids)


def test_heldout_count_is_7392_for_full_train2017_and_scales_down():
    assert heldout.heldout_count(118_287) == 7_392
    assert heldout.heldout_count(48) == 3
    assert heldout.heldout_count(2) == 1 and heldout.heldout_count(1) == 0


def test_vertex_shards_rule_reproduces_the_published_sizes():
    ordered = _fake_train2017_ids()
    held = heldout.vertex_shard_heldout(ordered)
    assert len(held) == 7_392 and len(ordered) - len(held) == 110_895
    positions = {int(i): p for p, i in enumerate(ordered)}
    assert all(positions[int(i)] % 256 >= 240 for i in held)
    assert ordered[240] in held and ordered[239] not in held


def test_sha256_rank_rule_is_a_function_of_the_id_set():
    ids = _fake_train2017_ids()
    held = heldout.sha256_rank_heldout(ids)
    assert len(held) == 7_392 and np.all(np.diff(held) > 0)
    np.testing.assert_array_equal(held, heldout.sha256_rank_heldout(ids[::-1]))
    np.testing.assert_array_equal(held, heldout.sha256_rank_heldout(np.concatenate([ids, ids[:9]])))
    # Pinned: a change of salt or hashing would silently change every search's reward split.
    assert heldout.sha256_rank_heldout(range(1, 101)).tolist() == [6, 13, 19, 38, 86, 97]


def test_id_lists_round_trip_and_detect_edits(tmp_path):
    path = tmp_path / "ids.txt"
    ids = np.array([5, 3, 9], np.int64)
    heldout.write_id_list(path, ids, {"rule": "test"})
    read, header = heldout.read_id_list(path)
    assert read.tolist() == [3, 5, 9] and header["rule"] == "test" and header["count"] == "3"
    path.write_text(path.read_text().replace("\n9\n", "\n8\n"))
    with pytest.raises(ValueError, match="sha256"):
        heldout.read_id_list(path)
    with pytest.raises(DatasetNotFoundError, match="make_heldout_ids"):
        heldout.read_id_list(tmp_path / "missing.txt")


def test_generator_script_writes_the_vertex_list(tmp_path):
    ordered = _fake_train2017_ids()
    annotations = tmp_path / "instances_train2017.json"
    annotations.write_text(json.dumps({"images": [{"id": int(i)} for i in ordered]}))
    out = make_heldout_ids(["--rule", "vertex_shards", "--annotations", str(annotations),
                            "--out", str(tmp_path / "heldout.txt")])
    ids, header = heldout.read_id_list(out)
    np.testing.assert_array_equal(ids, heldout.vertex_shard_heldout(ordered))
    assert header["num_ids"] == "118287" and "p % 256" in header["rule"]
