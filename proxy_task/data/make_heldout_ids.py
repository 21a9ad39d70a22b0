"""Writes the list of held-out COCO train2017 image ids (run once where COCO is).

The published SpineNet/Vertex split (needs the official annotation file, which
``tfds build coco/2017`` downloads; find it with
``find $DATA_DIR/downloads -name instances_train2017.json``)::

    python -m proxy_task.data.make_heldout_ids --rule vertex_shards \\
        --annotations /path/to/annotations/instances_train2017.json

The sha256-rank split, from the ids in a prepared TFDS data dir (the same ids
``DataConfig(heldout_ids_file=None)`` computes at run time)::

    python -m proxy_task.data.make_heldout_ids --rule sha256_rank --data_dir /data/tfds

Both write 7,392 ids for the full train2017 and print the list's sha256. The
vertex list defaults to ``proxy_task/data/resources/``, where committing it
makes the published split reproducible without the annotation file.
"""

from __future__ import annotations

import argparse
import json
import pathlib

from proxy_task.data import heldout
from proxy_task.data.config import DataConfig
from proxy_task.data.sources import scan_image_ids


def vertex_ids_from_annotations(path: str | pathlib.Path):
    """Held-out ids of the ``vertex_shards`` rule from ``instances_train2017.json``."""
    with open(path) as f:
        images = json.load(f)["images"]
    return heldout.vertex_shard_heldout([image["id"] for image in images]), len(images)


def main(argv: list[str] | None = None) -> pathlib.Path:
    """Parses flags, writes the id list and returns its path."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rule", choices=("vertex_shards", "sha256_rank"), required=True)
    parser.add_argument("--annotations", help="instances_train2017.json (vertex_shards)")
    parser.add_argument("--data_dir", help="TFDS data dir holding coco/2017 (sha256_rank)")
    parser.add_argument("--out", help="output file (default: resources/ for vertex_shards)")
    args = parser.parse_args(argv)
    if args.rule == "vertex_shards":
        if not args.annotations:
            parser.error("--rule vertex_shards needs --annotations instances_train2017.json")
        ids, num_images = vertex_ids_from_annotations(args.annotations)
        rule = (f"vertex_shards (position p in instances_train2017.json 'images': "
                f"p % {heldout.NUM_SHARDS} in [{heldout.HELDOUT_SHARDS.start}, "
                f"{heldout.HELDOUT_SHARDS.stop - 1}])")
        out = pathlib.Path(args.out or heldout.VERTEX_IDS_PATH)
    else:
        train_ids = scan_image_ids(DataConfig(dataset="coco", data_dir=args.data_dir), "train")
        ids, num_images = heldout.sha256_rank_heldout(train_ids), len(set(train_ids.tolist()))
        rule = f"sha256_rank (salt {heldout.SALT!r})"
        out = pathlib.Path(args.out or heldout.RESOURCES / "coco2017_train_heldout_sha256_rank.txt")
    if num_images != heldout.COCO_TRAIN2017_SIZE:
        print(f"warning: {num_images} train images, not {heldout.COCO_TRAIN2017_SIZE}; "
              "this is not the full train2017.")
    heldout.write_id_list(out, ids, {"rule": rule, "source": "COCO train2017",
                                     "num_ids": num_images})
    print(f"wrote {len(ids)} held-out ids to {out} (sha256 {heldout.ids_digest(ids)})")
    return out


if __name__ == "__main__":
    main()
