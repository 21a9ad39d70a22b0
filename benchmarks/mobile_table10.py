"""The paper's Table 10 detectors (Mobile SpineNet RetinaNets): our count beside TF Model Garden's, side by side.

    .venv/bin/python benchmarks/mobile_table10.py [--out benchmarks/results/mobile_table10.json]

For Mobile SpineNet-49XS/49S/49 (``49XS-mobile`` at 256 px, ``49S-mobile`` and
``49-mobile`` at 384, separable heads of 24, 40, 48 filters) it prints trainable
parameters and multiply-adds from ``search_space.cost`` beside what TF Model
Garden builds and TF's profiler counts (``tf_model_garden/mobile_detector_cost.py``
in ``.venv-tfmg``; without that environment only our side is printed), beside the
published figures, and the ratios. Our FLOPs are convolution multiply-adds; TF's
profiler also counts element-wise ops (bias adds, the squeeze-and-excitation
gating, swish, adds, upsampling), which the JSON lists by op type. Both to the
processor-independent count: no timing here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from speed_tf import TF_PYTHON

from search_space import SPINENET_49_MOBILE, get_scaling
from search_space.cost import count_cost

TF_SCRIPT = Path(__file__).resolve().parent / "tf_model_garden" / "mobile_detector_cost.py"
# TF Model Garden model id of each scaling.
MODEL_IDS = {"49XS-mobile": "49XS", "49S-mobile": "49S", "49-mobile": "49"}
# What the paper and the model zoo print: only Mobile SpineNet-49's row was found (2.34 M, 1.0 B at 384 px).
PUBLISHED = {"49-mobile": {"total_params": 2.34e6, "total_madds": 1.0e9}}
CONVOLUTIONS = ("Conv2D", "DepthwiseConv2dNative")


def ours(variant: str) -> dict:
    cost = count_cost(SPINENET_49_MOBILE, get_scaling(variant))
    return {"backbone_params": cost.backbone_params, "total_params": cost.total_params,
            "backbone_madds": cost.backbone_madds, "total_madds": cost.total_madds}


def tf_side(variant: str) -> dict | None:
    if not TF_PYTHON.exists():
        return None
    scaling = get_scaling(variant)
    run = subprocess.run([str(TF_PYTHON), str(TF_SCRIPT), "--model-id", MODEL_IDS[variant], "--input-size",
                          str(scaling.input_size), "--head-filters", str(scaling.head_num_filters)],
                         capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        raise SystemExit(f"{TF_SCRIPT.name} failed for {variant}:\n{run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    by_op = result["total_flops_by_op"]
    result["total_conv_madds"] = sum(by_op.get(op, 0) for op in CONVOLUTIONS) // 2
    return result


def row(variant: str, mine: dict, theirs: dict | None) -> list[str]:
    def ratio(key, their_key=None):
        return f"{mine[key] / theirs[their_key or key]:.4f}" if theirs else "-"

    def billions(value):
        return f"{value / 1e9:.3f}"
    published = PUBLISHED.get(variant, {})
    return [
        variant, f"{mine['total_params']:,}", f"{theirs['total_params']:,}" if theirs else "-", ratio("total_params"),
        f"{published['total_params'] / 1e6:.2f} M" if published else "-",
        billions(mine["total_madds"]), billions(theirs["total_conv_madds"]) if theirs else "-",
        ratio("total_madds", "total_conv_madds"), billions(theirs["total_madds"]) if theirs else "-",
        f"{published['total_madds'] / 1e9:.1f} B" if published else "-",
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="benchmarks/results/mobile_table10.json")
    args = parser.parse_args(argv)
    results, rows = {}, []
    for variant in MODEL_IDS:
        mine, theirs = ours(variant), tf_side(variant)
        results[variant] = {"ours": mine, "tf_model_garden": theirs, "published": PUBLISHED.get(variant)}
        rows.append(row(variant, mine, theirs))
    headers = ["detector", "params (ours)", "params (TF)", "ratio", "published", "B MAdds (ours, convs)",
               "B (TF, convs)", "ratio", "B (TF profiler, all ops)", "published"]
    print(" | ".join(headers))
    for cells in rows:
        print(" | ".join(cells))
    if results["49-mobile"]["tf_model_garden"] is None:
        print(f"(no TF Model Garden environment at {TF_PYTHON}: bash benchmarks/tf_model_garden/setup_env.sh)",
              file=sys.stderr)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({"result": args.out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
