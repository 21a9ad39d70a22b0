"""Do multi-fidelity rungs find better architectures per device-hour? On the surrogate's learning curve.

Command (2 minutes at the defaults, 13 with ``--seeds 20 --budget 400``, on the 2-core Xeon)::

    python benchmarks/fidelity_search.py [--seeds 10] [--budget 100] [--concurrency 8]
        [--rungs 0.111,0.333,1] [--eta 3] [--rate-spread 0.15] [--early-noise 0.5]

Each campaign runs through the real engine (``nas.campaign.engine`` with its
rung schedule, records and searcher feed) in-process, with surrogate trials
on the SpineNet-49 space whose reward at a budget comes from
``proxy_task/surrogate_learning_curve.py`` and whose cost is simulated: a run
to budget f from budget e holds one of ``--concurrency`` workers for (f - e)
units, a unit being one full training. A campaign stops proposing once it has
started ``--budget`` units of work. For each searcher (REINFORCE, regularized
evolution, random) and seed, the same campaign runs with every sample trained
to the full budget (``full``) and with rungs (``rungs``). After every finished
run, the architecture that ``export`` would pick at that moment (the best
reward among the trials with the largest budget) is scored by its *clean*
surrogate reward; its regret is ``MAX_REWARD`` minus that.

Printed and written to ``benchmarks/results/fidelity_search.json``: per
searcher and mode, the mean regret at a quarter, half and all of the budget
with a 95% bootstrap interval over seeds, and the paired difference full minus
rungs (positive: rungs better); and how the first rung's reward ranks
architectures against the full-budget reward (Spearman over 500 uniform
samples), which is what the searcher learns from under rungs.

What it cannot show: the learning curve is an assumption, not a measurement of
COCO or of the ``cpu`` proxy; ``--rate-spread`` (how differently architectures
learn) and ``--early-noise`` change how well a low rung predicts the full one,
and the verdict can turn with them. The cost model ignores compilation, which
makes a short run relatively dearer on real trials (``docs/trial-cost.md``).
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nas.campaign import config_loading  # noqa: E402
from nas.campaign.directory import CampaignDir  # noqa: E402
from nas.campaign.engine import FINISHED  # noqa: E402
from nas.campaign.launch import open_campaign  # noqa: E402
from proxy_task import surrogate_learning_curve as curve  # noqa: E402
from proxy_task.surrogate_reward import MAX_REWARD, clean_reward, reward  # noqa: E402
from results.rank_agreement import spearman_rho  # noqa: E402
from search_space.encoding import decode  # noqa: E402
from search_space.sampling import sample_uniform  # noqa: E402
from search_space.spaces import SPINENET_49_SPACE  # noqa: E402
from storage.trial_record import Measurement, TrialOutcome  # noqa: E402
from speed_jax import host_cpu  # noqa: E402  (benchmarks/ is on the path when run as a script)

SEARCHERS = ("reinforce", "evolution", "random")
RESULTS = Path(__file__).parent / "results" / "fidelity_search.json"
FRACTIONS = (0.25, 0.5, 1.0)  # of the budget, where regret is reported


def campaign_config(searcher: str, seed: int, rungs: tuple[float, ...], eta: int, concurrency: int):
    return config_loading.resolve([
        "trial.kind=surrogate", "search.space=spinenet-49", f"search.searcher={searcher}", "search.mode=async",
        f"search.seed={seed}", "search.num_trials=100000", f"search.concurrency={concurrency}",
        f"search.fidelity={json.dumps(list(rungs))}", f"search.eta={eta}", f"proxy.train.seed={seed}",
        "search.max_failures=null", "output.tensorboard=false", "output.checkpoint_every_s=1000000",
    ])


def run_campaign(config, root: Path, budget: float) -> list[tuple[float, float]]:
    """Runs one campaign on simulated workers; returns (units spent, regret of export's pick) per finished run."""
    directory = CampaignDir(root)
    directory.create({"config": config_loading.to_dict(config), "space": config.search.space,
                      "searcher": config.search.searcher})
    campaign = open_campaign(directory, config)
    budgets = tuple(config.search.fidelity) or (1.0,)
    seed = config.proxy.train.seed
    running, clock, started, spent, order = [], 0.0, 0.0, 0.0, 0
    best: dict[float, tuple[float, object]] = {}  # budget -> (reward, spec) of the best run at it
    trace = []
    while True:
        while started < budget and (proposal := campaign.next_proposal()) not in (None, FINISHED):
            rung = campaign.rung_of(proposal.id)
            cost = budgets[rung] - (budgets[rung - 1] if rung else 0.0)
            started += cost
            order += 1
            heapq.heappush(running, (clock + cost, order, proposal, budgets[rung], cost))
        if not running:
            break
        clock, _, proposal, at, cost = heapq.heappop(running)
        value = curve.reward_at(proposal.spec, seed, at)
        outcome = TrialOutcome.measured(Measurement(reward=value), seed=seed, wall_seconds=cost,
                                        device_seconds=cost, started_at=clock - cost, finished_at=clock)
        campaign.complete(proposal.id, outcome)
        spent += cost
        if value > best.get(at, (-np.inf, None))[0]:
            best[at] = (value, proposal.spec)
        pick = best[max(best)][1]
        trace.append((spent, MAX_REWARD - clean_reward(pick)))
    directory.close()
    return trace


def regret_at(trace: list[tuple[float, float]], units: float) -> float:
    """The regret of export's pick once ``units`` of work had finished."""
    regret = trace[0][1]
    for spent, value in trace:
        if spent > units + 1e-9:
            break
        regret = value
    return regret


def mean_interval(values, resamples: int = 4000, seed: int = 0) -> dict:
    values = np.asarray(values, float)
    draws = np.random.default_rng(seed).choice(values, size=(resamples, len(values))).mean(axis=1)
    return {"mean": float(values.mean()), "low": float(np.quantile(draws, 0.025)),
            "high": float(np.quantile(draws, 0.975))}


def first_rung_ranking(rungs: tuple[float, ...], samples: int = 500) -> dict:
    rng = np.random.default_rng(0)
    specs = [decode(SPINENET_49_SPACE, sample_uniform(SPINENET_49_SPACE, rng)) for _ in range(samples)]
    full = [reward(spec, 0) for spec in specs]
    return {f"{fraction:g}": spearman_rho([curve.reward_at(spec, 0, fraction) for spec in specs], full)
            for fraction in rungs[:-1]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=float, default=100.0, help="units of work (full trainings) per campaign")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rungs", default="0.111,0.333,1")
    parser.add_argument("--eta", type=int, default=3)
    parser.add_argument("--rate-spread", type=float, default=curve.RATE_SPREAD)
    parser.add_argument("--early-noise", type=float, default=curve.EARLY_NOISE_STD)
    parser.add_argument("--searchers", default=",".join(SEARCHERS))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    curve.RATE_SPREAD, curve.EARLY_NOISE_STD = args.rate_spread, args.early_noise
    rungs = tuple(float(x) for x in args.rungs.split(","))
    ranking = first_rung_ranking(rungs)
    print(f"Spearman of the reward at each lower rung against the full reward (500 uniform samples): {ranking}")
    start, rows = time.perf_counter(), {}
    with tempfile.TemporaryDirectory() as scratch:
        for searcher in args.searchers.split(","):
            regrets = {}
            for mode, mode_rungs in (("full", ()), ("rungs", rungs)):
                regrets[mode] = []
                for seed in range(args.seeds):
                    config = campaign_config(searcher, seed, mode_rungs, args.eta, args.concurrency)
                    trace = run_campaign(config, Path(scratch) / f"{searcher}-{mode}-{seed}", args.budget)
                    regrets[mode].append([regret_at(trace, f * args.budget) for f in FRACTIONS])
            rows[searcher] = summarize_rows(regrets)
            print_row(searcher, rows[searcher])
    result = {"command": " ".join(["python benchmarks/fidelity_search.py", *(argv or sys.argv[1:])]),
              "processor": host_cpu(), "seconds": time.perf_counter() - start,
              "settings": {**vars(args), "out": str(args.out), "rungs": rungs},
              "first_rung_spearman": ranking, "searchers": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out} ({result['seconds']:.0f} s)")
    return 0


def summarize_rows(regrets: dict[str, list[list[float]]]) -> dict:
    full, rungs = np.asarray(regrets["full"]), np.asarray(regrets["rungs"])
    return {f"{fraction:g}": {"full": mean_interval(full[:, i]), "rungs": mean_interval(rungs[:, i]),
                              "full_minus_rungs": mean_interval(full[:, i] - rungs[:, i]),
                              "rungs_better_seeds": int(np.sum(rungs[:, i] < full[:, i])), "seeds": len(full)}
            for i, fraction in enumerate(FRACTIONS)}


def print_row(searcher: str, row: dict) -> None:
    for fraction, cell in row.items():
        f, r, d = cell["full"], cell["rungs"], cell["full_minus_rungs"]
        print(f"{searcher:10s} at {fraction:>4s} of the budget: regret full {f['mean']:.3f} "
              f"[{f['low']:.3f}, {f['high']:.3f}]  rungs {r['mean']:.3f} [{r['low']:.3f}, {r['high']:.3f}]  "
              f"full-rungs {d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]  "
              f"rungs better in {cell['rungs_better_seeds']}/{cell['seeds']} seeds", flush=True)


if __name__ == "__main__":
    sys.exit(main())
