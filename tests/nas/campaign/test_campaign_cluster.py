"""A campaign on a simulated multi-node Ray cluster that loses a node mid-campaign.

The head node has no CPUs, so every trial runs on one of two worker nodes.
As soon as both run a trial, one worker node is removed: its trial's worker dies,
Ray Tune retries the trial on the other node (``trial.infra_retries``), and the
campaign ends with every trial recorded once, none failed or charged.
"""

import threading
import time

import pytest
import ray
from ray.cluster_utils import Cluster

from nas.campaign.directory import CampaignDir
from nas.campaign.launch import search

from tests.nas.campaign.campaign_helpers import surrogate_config


def _started(root, trial_id):
    """A slow surrogate trial marks its start in its workdir."""
    return (CampaignDir(root).trial_dir(trial_id) / "started").exists()


def _remove_a_busy_worker(cluster, workers, root, removed, deadline):
    """Once both worker nodes run a started trial, removes one the driver is not on.

    Trials last several seconds so that, even on a loaded machine where a new
    trial's worker takes seconds to start, the two trials of a batch overlap.
    """
    while time.monotonic() < deadline:
        directory = CampaignDir(root)
        records = directory.trials.read()
        running = {p["trial"] for p in directory.proposals.read()} - {r["trial"] for r in records}
        if len(running) == 2 and all(_started(root, t) for t in running):
            time.sleep(0.3)
            driver_node = ray.get_runtime_context().get_node_id()
            victim = next(node for node in workers if node.node_id != driver_node)
            cluster.remove_node(victim)
            removed.append(victim.node_id)
            return
        time.sleep(0.05)


@pytest.mark.slow
def test_a_campaign_survives_losing_a_node(tmp_path):
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    try:
        workers = [cluster.add_node(num_cpus=1) for _ in range(2)]
        cluster.wait_for_nodes()
        address = cluster.address
        root = tmp_path / "campaign"
        config = surrogate_config("search.num_trials=4", "search.concurrency=2", "search.mode=sync",
                                  "trial.surrogate_seconds=8.0", "trial.infra_retries=2")
        removed = []
        remover = threading.Thread(target=_remove_a_busy_worker,
                                   args=(cluster, workers, root, removed, time.monotonic() + 180), daemon=True)
        remover.start()
        status = search(config, root, address=address, command="test")
        remover.join(timeout=5)
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert removed, "no node was removed while trials ran"
    assert status == 0
    records = CampaignDir(root).trials.read()
    assert sorted(r["trial"] for r in records) == list(range(4))
    assert all(r["status"] == "ok" for r in records)
    launch = CampaignDir(root).launches.read()[0]
    assert launch["address"] == address
    retried = [p.parent.name for p in (root / "tune" / "launch-000").glob("trial_*/error.txt")]
    assert retried, "Ray Tune saw no failure of a trial on the removed node"
