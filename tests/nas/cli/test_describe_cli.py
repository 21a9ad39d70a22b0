"""``spinenet-nas describe``: the real entry point, good and bad input."""

import json
import subprocess
import sys

import pytest

from nas.cli import main
from search_space import SPINENET_49, spec_to_json


def test_describe_spinenet_49_at_640(capsys):
    assert main(["describe", "spinenet-49", "--input-size", "640"]) == 0
    out = capsys.readouterr().out
    assert "21,831,488" in out and "28,543,383 (28.5 M)" in out and "85.3 B" in out
    assert "7,12 +11" in out  # the dangling L5 block merged into the P5 output


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["spinenet-96"], "36,262,976"),
        (["spinenet-49", "--variant", "proxy"], "1,169,696"),
        (["r50-fpn"], "(34.1 M)"),
        (["spinenet-190"], "1881.7 B"),
    ],
)
def test_describe_variants(capsys, args, fragment):
    assert main(["describe", *args]) == 0
    assert fragment in capsys.readouterr().out


@pytest.mark.parametrize("name, params", [
    ("spinenet-49-mobile", "2,268,708"), ("spinenet-49s-mobile", "975,678"), ("spinenet-49xs-mobile", "842,456"),
])
def test_describe_mobile_spinenet_prints_the_official_parameter_count(capsys, name, params):
    assert main(["describe", name]) == 0
    out = capsys.readouterr().out
    assert f"backbone                     {params}" in out
    assert "MBConv expansion 6, SE ratio 0.2" in out and "resample_alpha" not in out


def test_describe_json_file(tmp_path, capsys):
    path = tmp_path / "arch.json"
    path.write_text(spec_to_json(SPINENET_49))
    assert main(["describe", str(path)]) == 0
    assert "21,831,488" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, args, fragment",
    [
        ('{"blocks": [{"level": 3, "block_fn": "bottleneck", "parents": [0, 7]}]}', [], "parent 7 is not an earlier block"),
        ("{oops", [], "malformed JSON"),
        (None, ["--variant", "49XL"], "unknown variant '49XL'"),
        (None, ["--input-size", "600"], "input size 600 is not divisible by 2^7=128"),
    ],
)
def test_describe_bad_input_exits_non_zero(tmp_path, capsys, content, args, fragment):
    target = "spinenet-49"
    if content is not None:
        target = str(tmp_path / "bad.json")
        (tmp_path / "bad.json").write_text(content)
    assert main(["describe", target, *args]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and fragment in err


def test_console_script_end_to_end(tmp_path):
    bad = tmp_path / "bad.json"
    data = json.loads(spec_to_json(SPINENET_49))
    data["blocks"][3]["block_fn"] = "resnext"
    bad.write_text(json.dumps(data))
    good = subprocess.run([sys.executable, "-m", "nas.cli", "describe", "spinenet-49"], capture_output=True, text=True)
    assert good.returncode == 0 and "RetinaNet total" in good.stdout
    failed = subprocess.run([sys.executable, "-m", "nas.cli", "describe", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 2
    assert "block 3 (net[5]): unknown block type 'resnext'" in failed.stderr


def test_train_refuses_bad_config_before_running(capsys):
    assert main(["train", "--spec", "spinenet-49", "--preset", "smoke", "--set", "train.epoks=2"]) == 2
    err = capsys.readouterr().err
    assert "unknown config key 'train.epoks'" in err and "train.epochs" in err
    assert main(["train", "--spec", "spinenet-49", "--preset", "smoke", "--set", "train.epochs=fast"]) == 2
    assert "train.epochs: expected a float, got 'fast'" in capsys.readouterr().err


def test_train_reports_a_missing_coco_dataset(tmp_path, capsys):
    args = ["train", "--spec", "spinenet-49", "--preset", "paper", "--set", f"data.data_dir={tmp_path}"]
    assert main(args) == 2
    assert "coco" in capsys.readouterr().err.lower()


def test_describe_an_export_reports_the_model_its_campaign_trained(tmp_path, capsys):
    from nas.campaign.launch import load_config
    from nas.campaign.directory import CampaignDir
    from search_space.cost import count_cost
    from search_space.serialization import load_spec_file
    from tests.nas.campaign.campaign_helpers import drive, new_campaign, surrogate_config

    campaign = new_campaign(tmp_path / "c", surrogate_config("search.num_trials=2", "search.space=spinenet-49"))
    drive(campaign)
    campaign.dir.close()
    assert main(["export", str(tmp_path / "c"), "--format", "json"]) == 0
    best = tmp_path / "c" / "export" / "best.json"
    model = json.loads((best.parent / "model.json").read_text())
    assert (model["preset"], model["dataset"], model["num_classes"]) == ("cpu", "synthetic", 8)
    capsys.readouterr()
    assert main(["describe", str(best)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"the model as its campaign trained it ({best.parent / 'model.json'}): cpu proxy, 8 classes")
    proxy = load_config(CampaignDir(tmp_path / "c")).proxy.scaling
    cost = count_cost(load_spec_file(best), proxy, 8)
    assert f"{cost.total_params:,} ({cost.total_params / 1e6:.1f} M)" in out and "(8 classes)" in out
    # Told otherwise, it describes the model it is told.
    assert main(["describe", str(best), "--variant", "49", "--num-classes", "91"]) == 0
    out = capsys.readouterr().out
    assert "campaign trained" not in out and "(91 classes)" in out


def test_a_damaged_model_setup_is_named_with_its_fix(tmp_path, capsys):
    path = tmp_path / "best.json"
    path.write_text(spec_to_json(SPINENET_49))
    (tmp_path / "model.json").write_text('{"format": "something else"}')
    assert main(["describe", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'model.json'} is not a model setup that `export` wrote" in err and "--variant" in err
