"""Writes the TF-made checkpoints that ``tests/proxy_task/test_tf_import.py`` imports (run with our .venv).

    .venv/bin/python benchmarks/tf_model_garden/make_import_fixtures.py [OUT] (default tests/fixtures/tf_import)

For SpineNet-49 and Mobile SpineNet-49 at tiny widths (128 px, 8-channel
endpoints) it exports the spec for TF Model Garden, has
``write_parity_fixture.py`` build it in ``.venv-tfmg`` with random weights,
save its checkpoint and its outputs on one random image, and writes
``fixture.json`` (the spec's name, the scaling, the TF activation) beside them.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/: the one path of .venv-tfmg
from speed_tf import TF_PYTHON  # noqa: E402

from search_space import SPINENET_49, SPINENET_49_MOBILE, export_spec, get_scaling  # noqa: E402

WRITER = Path(__file__).resolve().parent / "write_parity_fixture.py"
FIXTURES = {  # name: (spec, scaling, activation)
    "spinenet-49": (SPINENET_49, get_scaling("proxy").replace(filter_size_scale=0.0625, endpoints_num_filters=8,
                                                               input_size=128), "relu"),
    "spinenet-49-mobile": (SPINENET_49_MOBILE, get_scaling("49XS-mobile").replace(
        filter_size_scale=0.125, endpoints_num_filters=8, input_size=128), "swish"),
}


def make(out: Path, name: str) -> Path:
    spec, scaling, activation = FIXTURES[name]
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "module.py").write_text(export_spec(spec, "tf", scaling))
    run = subprocess.run([str(TF_PYTHON), str(WRITER), str(folder / "module.py"), str(folder), "--activation",
                          activation, "--images", "1"], capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise SystemExit(f"{WRITER.name} failed for {name}:\n{run.stderr[-3000:]}")
    (folder / "fixture.json").write_text(json.dumps(
        {"spec": spec.name, "scaling": dataclasses.asdict(scaling), "activation": activation}, indent=2) + "\n")
    return folder


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "tests/fixtures/tf_import")
    for name in FIXTURES:
        print(make(out, name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
