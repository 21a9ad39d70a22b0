"""Is the proxy AP a reward? Trains good and poor backbones over seeds and compares.

Command (about 45 minutes on 2 idle CPU cores with the defaults)::

    python benchmarks/reward_ranking.py [--preset cpu] [--seeds 0 1 2]

Trains RetinaNet with each of three backbones under one preset, once per
seed (the seed sets both ``train.seed``, i.e. initialisation and dropout, and
``data.seed``, i.e. shuffling and augmentation):

* ``spinenet-49``: the published scale-permuted architecture;
* ``r50-fpn``: the scale-decreasing baseline (ResNet-50 + FPN at the same
  width scaling, so much costlier);
* ``single-level-l5`` (``benchmarks/specs/single_level_l5.json``): a
  deliberately poor SpineNet of about SpineNet-49's cost whose 11
  intermediate blocks all sit at L5 in a chain: no cross-scale paths, no
  high-resolution features except what the outputs resample from L5.

It also evaluates each backbone untrained (seed 0) for the floor. Prints AP
mean +- std per backbone and checks that the seed-to-seed spread is clearly
smaller than the gap between the good and the poor spec. Every finished run
is appended to the JSON at once, so an interrupted benchmark resumes where it
stopped (``--fresh`` starts over).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from nas.overrides import apply_overrides
from proxy_task.config import get_preset
from proxy_task.train import evaluate_untrained, train_and_evaluate
from results.table import render_table
from search_space import get_builtin, load_spec_file

HERE = Path(__file__).parent
SPECS = {
    "spinenet-49": lambda: get_builtin("spinenet-49"),
    "r50-fpn": lambda: get_builtin("r50-fpn"),
    "single-level-l5": lambda: load_spec_file(HERE / "specs" / "single_level_l5.json"),
}
GOOD, POOR = ("spinenet-49", "r50-fpn"), "single-level-l5"


def seeded(config, seed: int):
    return apply_overrides(config, [f"train.seed={seed}", f"data.seed={seed}"])


def load_runs(path: Path, fresh: bool) -> list[dict]:
    if fresh or not path.exists():
        return []
    return json.loads(path.read_text()).get("runs", [])


def save(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(payload, indent=2) + "\n")
    partial.replace(path)


def run_one(name: str, seed: int, config, workdir: Path) -> dict:
    start = time.perf_counter()
    result = train_and_evaluate(SPECS[name](), seeded(config, seed), workdir / f"{name}-seed{seed}")
    return {"spec": name, "seed": seed, "ap": result.ap, "params": result.params, "madds": result.madds,
            "train_seconds": result.train_seconds, "wall_seconds": time.perf_counter() - start,
            "images_per_second": result.images_per_second, "final_loss": result.final_loss}


def summarize(runs: list[dict], untrained: dict[str, float], seeds: list[int]) -> dict:
    rows = {}
    for name in SPECS:
        aps = [r["ap"]["AP"] for r in runs if r["spec"] == name and r["seed"] in seeds]
        ap50 = [r["ap"]["AP50"] for r in runs if r["spec"] == name and r["seed"] in seeds]
        if aps:
            first = next(r for r in runs if r["spec"] == name)
            rows[name] = {"runs": len(aps), "params": first["params"], "madds": first["madds"], "ap_mean": statistics.mean(aps),
                          "ap_std": statistics.stdev(aps) if len(aps) > 1 else 0.0,
                          "ap50_mean": statistics.mean(ap50), "aps": aps, "untrained_ap": untrained.get(name)}
    verdict = None
    if all(name in rows for name in (*GOOD, POOR)):
        gap = min(rows[g]["ap_mean"] for g in GOOD) - rows[POOR]["ap_mean"]
        spread = max(row["ap_std"] for row in rows.values())
        floor = max(v for v in untrained.values() if v is not None) if untrained else 0.0
        verdict = {"gap_good_minus_poor": gap, "largest_seed_std": spread,
                   "gap_over_std": gap / spread if spread else float("inf"),
                   "min_trained_over_untrained": min(r["ap_mean"] for r in rows.values()) - floor,
                   "ranks": gap > 2 * spread and all(r["ap_mean"] > floor for r in rows.values())}
    return {"rows": rows, "verdict": verdict}


def render(summary: dict) -> str:
    header = ["backbone", "params", "FLOPs", "runs", "AP (mean +- std)", "AP50", "per-seed AP", "untrained AP"]
    lines = []
    for name, row in summary["rows"].items():
        untrained = "-" if row["untrained_ap"] is None else f"{row['untrained_ap']:.4f}"
        lines.append([name, f"{row['params'] / 1e6:.2f} M", f"{row['madds'] / 1e9:.2f} B", str(row["runs"]),
                      f"{row['ap_mean']:.4f} +- {row['ap_std']:.4f}", f"{row['ap50_mean']:.4f}",
                      " ".join(f"{a:.4f}" for a in row["aps"]), untrained])
    text = render_table(header, lines)
    verdict = summary["verdict"]
    if verdict:
        text += (f"\n\ngap (worse good spec - poor spec): {verdict['gap_good_minus_poor']:.4f} AP; "
                 f"largest seed std: {verdict['largest_seed_std']:.4f}; ratio {verdict['gap_over_std']:.1f}x; "
                 f"the proxy {'RANKS' if verdict['ranks'] else 'does NOT rank'} these architectures")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="preset override")
    parser.add_argument("--workdir", type=Path, default=Path("runs/reward_ranking"))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "reward_ranking.json")
    parser.add_argument("--fresh", action="store_true", help="ignore runs already in --out")
    args = parser.parse_args(argv)
    config = apply_overrides(get_preset(args.preset), args.set)
    runs = load_runs(args.out, args.fresh)
    payload = {"preset": args.preset, "overrides": args.set, "seeds": args.seeds, "runs": runs, "untrained": {}}
    if args.out.exists() and not args.fresh:
        payload["untrained"] = json.loads(args.out.read_text()).get("untrained", {})
    for name in SPECS:
        if name not in payload["untrained"]:
            payload["untrained"][name] = evaluate_untrained(SPECS[name](), seeded(config, 0))["AP"]
            save(args.out, payload)
    for seed in args.seeds:
        for name in SPECS:
            if any(r["spec"] == name and r["seed"] == seed for r in runs):
                continue
            runs.append(run_one(name, seed, config, args.workdir))
            print(f"{name} seed {seed}: AP {runs[-1]['ap']['AP']:.4f} "
                  f"({runs[-1]['wall_seconds']:.0f} s)", file=sys.stderr, flush=True)
            save(args.out, payload)
    payload["summary"] = summarize(runs, payload["untrained"], args.seeds)
    save(args.out, payload)
    print(render(payload["summary"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
