"""``spinenet-nas import-tf``: a TF Model Garden checkpoint in, our backbone out, and refusals that lose nothing."""

import json

import jax.numpy as jnp
import numpy as np

from nas.cli import main
from proxy_task.backbones import BackboneOptions, build_backbone
from proxy_task.tf_import.imported import load_imported
from tests.paths import REPO

MOBILE = REPO / "tests" / "fixtures" / "tf_import" / "spinenet-49-mobile"
TINY = ["--variant", "49XS-mobile", "--set", "filter_size_scale=0.125", "--set", "endpoints_num_filters=8",
        "--set", "input_size=128"]


def test_import_writes_a_backbone_that_gives_tfs_outputs(tmp_path, capsys):
    out = tmp_path / "imported"
    assert main(["import-tf", str(MOBILE), "--spec", "spinenet-49-mobile", *TINY, "--out", str(out)]) == 0
    assert "imported 667 TF variables" in capsys.readouterr().out
    spec, scaling, variables = load_imported(out)
    assert spec.name == "spinenet-49-mobile" and scaling.filter_size_scale == 0.125
    assert json.loads((out / "import.json").read_text())["source"]["prefix"] == "backbone/"
    saved = np.load(MOBILE / "io.npz")
    model = build_backbone(spec, scaling, BackboneOptions(activation="swish"))
    outputs = model.apply(variables, jnp.asarray(saved["images"]), train=False)
    for level in range(3, 8):
        expected = saved[f"level_{level}"]
        assert np.abs(np.asarray(outputs[level]) - expected).max() <= 1e-4 * np.abs(expected).max()


def test_a_mismatch_names_the_variable_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "imported"
    wide = [*TINY, "--set", "endpoints_num_filters=16"]
    assert main(["import-tf", str(MOBILE), "--spec", "spinenet-49-mobile", *wide, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "import-tf: error:" in error and "has shape [1, 1," in error and "params/endpoint_" in error
    assert not (out / "import.json").exists()


def test_bad_sources_are_named(tmp_path, capsys):
    out = str(tmp_path / "imported")
    assert main(["import-tf", str(tmp_path / "nothing"), "--spec", "spinenet-49", "--out", out]) == 2
    assert "is no TF checkpoint" in capsys.readouterr().err
    assert main(["import-tf", str(MOBILE), "--spec", "spinenet-49-mobile", "--prefix", "model/_backbone/",
                 "--out", out]) == 2
    assert "holds no variables under 'model/_backbone/'; its keys begin with ['backbone/" in capsys.readouterr().err
