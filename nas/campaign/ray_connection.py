"""The driver's Ray cluster: joining one or starting one of its own, checking it, leaving it.

``connect`` joins the cluster at ``--address`` (giving up after
``resources.connect_timeout_s``) or starts a local one, watched by
``ray_reaper`` so that it dies with the driver; then it refuses trial
resources no node has and a dataset the trials could not read, before
anything is written. ``disconnect`` leaves it again.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
import time

from nas.campaign import ray_reaper
from nas.campaign.config import CampaignConfig
from nas.overrides import ConfigError
from proxy_task.runtime.host_allocator import child_environment

_watchdog = None  # the ray_reaper of the local Ray cluster this process started, if any


def connect(address: str | None, config: CampaignConfig) -> bool:
    """Joins the Ray cluster at ``address`` (``auto``, ``ray://...``) or starts a local one.

    Returns whether this call started Ray. Refuses trial resources no node has, and allocator
    settings (``proxy_task.runtime.host_allocator``) the trials could not start with.
    """
    import ray

    child_environment()  # a bad SPINENET_NAS_ALLOCATOR / _JEMALLOC stops here, not in every trial
    global _watchdog
    started = not ray.is_initialized()
    if started:
        check_reachable(address)
        since = time.time()
        try:
            _init_ray(address, config.resources.connect_timeout_s)
        except (ConnectionError, TimeoutError) as err:
            raise ConfigError(f"could not join the Ray cluster at {address!r}: {err}; start one with "
                              f"`ray start --head` or omit --address to run on this machine") from None
        if address in (None, "local"):  # a cluster of our own: it must not outlive us
            _watchdog = ray_reaper.start(since)
    try:
        _check_resources(config.trial_resources())
        check_dataset(config)
    except BaseException:
        disconnect(started)  # a refused campaign leaves no Ray behind
        raise
    return started


def _init_ray(address: str | None, timeout_s: float) -> None:
    """``ray.init``; joining ``address`` gives up after ``timeout_s`` with ``TimeoutError``.

    Ray retries a GCS that does not answer for many minutes (a port that accepts
    connections but is not Ray's, a cluster still starting), so the join runs
    in a daemon thread the driver stops waiting for.
    """
    import ray

    settings = dict(include_dashboard=False, log_to_driver=False, logging_level="WARNING", configure_logging=True)
    if address in (None, "local"):
        ray.init(address="local", **settings)
        return
    outcome: list[BaseException | None] = []

    def join() -> None:
        try:
            ray.init(address=address, **settings)
            outcome.append(None)
        except BaseException as err:  # handed to the waiting thread
            outcome.append(err)

    with _quiet_ray_thread_warning():
        thread = threading.Thread(target=join, name="ray-join", daemon=True)
        thread.start()
        thread.join(timeout_s)
    if not outcome:
        raise TimeoutError(f"no Ray cluster answered within {timeout_s:g} s (resources.connect_timeout_s; raise it "
                           f"with --set resources.connect_timeout_s=SECONDS if the cluster is slow to start)")
    if outcome[0] is not None:
        raise outcome[0]
    if threading.current_thread() is threading.main_thread():
        # What ray.init does on the main thread: SIGTERM ends the driver through SystemExit, so
        # its finally blocks record the campaign's state.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(signum))


@contextlib.contextmanager
def _quiet_ray_thread_warning():
    """Hides Ray's warning that it sets no SIGTERM handler off the main thread (``_init_ray`` sets it)."""
    logger = logging.getLogger("ray")

    def keep(record: logging.LogRecord) -> bool:
        return "SIGTERM handler is not set" not in record.getMessage()

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def check_dataset(config: CampaignConfig, timeout_s: float = 300.0) -> None:
    """Refuses a proxy campaign whose dataset a trial could not read (COCO not prepared...).

    The check runs as a Ray task with one trial's resources, so it looks where trials will
    look (a worker node, in a cluster) and the driver never imports TensorFlow.
    """
    import ray

    if config.trial.kind != "proxy" or config.proxy.data.dataset == "synthetic":
        return  # every trial renders the synthetic dataset itself
    resources = config.trial_resources()
    task = ray.remote(_dataset_problem).options(
        num_cpus=resources.pop("CPU"), num_gpus=resources.pop("GPU", 0.0), resources=resources or None)
    problem = ray.get(task.remote(config.proxy.data), timeout=timeout_s)
    if problem is not None:
        raise ConfigError(f"preset={config.preset}: {problem}")


def _dataset_problem(data_config) -> str | None:
    """Why a trial could not read the dataset of ``data_config`` (None: it could)."""
    from proxy_task.data import DatasetNotFoundError, check_prepared

    try:
        check_prepared(data_config)
    except DatasetNotFoundError as err:
        return str(err)
    return None


def check_reachable(address: str | None, timeout_s: float = 5.0) -> None:
    """Refuses a ``HOST:PORT`` or ``ray://HOST:PORT`` address where nothing accepts a connection.

    Ray itself retries an unreachable GCS for minutes, printing a warning every few seconds.
    """
    if not address or address in ("auto", "local") or ("://" in address and not address.startswith("ray://")):
        return  # Ray finds these itself, or another scheme's provider does
    host, _, port = address.removeprefix("ray://").rpartition(":")
    host = host.strip("[]")  # an IPv6 literal
    if not host or not port.isdigit():
        raise ConfigError(f"--address {address!r}: use auto, HOST:PORT (e.g. 10.0.0.5:6379) or ray://HOST:PORT")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as err:
        raise ConfigError(f"could not join the Ray cluster at {address!r}: nothing answers there ({err}); start "
                          f"one with `ray start --head` or omit --address to run on this machine") from None


def _check_resources(bundle: dict[str, float]) -> None:
    import ray

    nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
    if not any(all(node.get(k, 0.0) >= v for k, v in bundle.items()) for node in nodes):
        raise ConfigError(
            f"no node of the Ray cluster can hold one trial ({bundle}); nodes have "
            f"{[{k: v for k, v in n.items() if k in ('CPU', 'GPU', 'TPU') or k in bundle} for n in nodes]}. "
            f"Lower resources.* or join a larger cluster with --address"
        )


def local_head_gone() -> bool:
    """Whether the local Ray cluster this process started has lost its GCS or raylet (e.g. to a SIGTERM)."""
    if _watchdog is None:
        return False
    import psutil

    alive = set()
    for child in psutil.Process().children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.add(child.name())
        except psutil.NoSuchProcess:
            continue
    return not {"gcs_server", "raylet"} <= alive


def disconnect(started: bool) -> None:
    """Leaves Ray if ``connect`` started it: a local cluster is shut down, and its watchdog sweeps what is left."""
    import ray

    global _watchdog
    if started:
        ray.shutdown()
    if started and _watchdog is not None:
        ray_reaper.stop(_watchdog)
        _watchdog = None
