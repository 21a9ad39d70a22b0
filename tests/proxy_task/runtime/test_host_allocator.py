"""The training allocator: child environments, the opt-out, the fallback, and the page faults it saves."""

import json
import os
import subprocess
import sys

import pytest

from proxy_task.runtime import host_allocator

# Allocates and frees a 128 MB XLA output buffer per call, as a training step's temporaries are;
# prints the allocator and the minor page faults of the last 5 calls.
FAULTS_PER_CALL = """
import json, resource, jax, jax.numpy as jnp
from proxy_task.runtime.host_allocator import active_allocator
double = jax.jit(lambda x: x * 2.0)
x = jnp.ones((32 * 1024 * 1024,), jnp.float32)
for _ in range(3):
    jax.block_until_ready(double(x))
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    jax.block_until_ready(double(x))
print(json.dumps({"allocator": active_allocator(),
                  "faults": (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5}))
"""


def _clean_environ(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "MALLOC_CONF", "GLIBC_TUNABLES", host_allocator.SWITCH,
                        host_allocator.LIBRARY_OVERRIDE, host_allocator.REEXECUTED)}
    return {**env, **extra}


def test_children_preload_jemalloc_before_other_preloads_once(tmp_path):
    library = tmp_path / "libjemalloc.so"
    library.write_bytes(b"")
    base = _clean_environ(LD_PRELOAD="/opt/other.so", **{host_allocator.LIBRARY_OVERRIDE: str(library)})
    env = host_allocator.child_environment(base)
    assert env["LD_PRELOAD"] == f"{library}:/opt/other.so"
    assert env["MALLOC_CONF"] == host_allocator.JEMALLOC_CONF
    assert host_allocator.child_environment(env) == env  # applying it twice changes nothing
    assert base["LD_PRELOAD"] == "/opt/other.so"  # the caller's mapping is not modified


def test_a_users_jemalloc_settings_win():
    env = host_allocator.child_environment(_clean_environ(MALLOC_CONF="narenas:1"))
    assert env["MALLOC_CONF"] == "narenas:1"


def test_system_switch_leaves_the_environment_alone():
    base = _clean_environ(**{host_allocator.SWITCH: "system"})
    assert host_allocator.child_environment(base) == base


def test_without_jemalloc_glibc_is_asked_for_huge_pages(monkeypatch):
    monkeypatch.setattr(host_allocator, "find_jemalloc", lambda environ: None)
    env = host_allocator.child_environment(_clean_environ(GLIBC_TUNABLES="glibc.malloc.arena_max=2"))
    assert env["GLIBC_TUNABLES"] == "glibc.malloc.arena_max=2:" + host_allocator.GLIBC_HUGE_PAGES
    assert "LD_PRELOAD" not in env
    assert host_allocator.child_environment(env)["GLIBC_TUNABLES"] == env["GLIBC_TUNABLES"]


@pytest.mark.parametrize("name, value, message", [
    (host_allocator.SWITCH, "tcmalloc", r"'tcmalloc' is not an allocator; set it to one of \['jemalloc', 'system'\]"),
    (host_allocator.LIBRARY_OVERRIDE, "/nowhere/libjemalloc.so", "is not a file; point it at libjemalloc.so"),
])
def test_bad_settings_name_the_value_and_the_fix(name, value, message):
    with pytest.raises(ValueError, match=message):
        host_allocator.child_environment(_clean_environ(**{name: value}))


def _faults_per_call(env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", FAULTS_PER_CALL], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(host_allocator.find_jemalloc() is None, reason="no jemalloc on this machine")
def test_jemalloc_children_reuse_xla_buffers_instead_of_faulting_them_in():
    system = _faults_per_call(_clean_environ(**{host_allocator.SWITCH: "system"}))
    jemalloc = _faults_per_call(host_allocator.child_environment(_clean_environ()))
    assert system["allocator"] == "system" and jemalloc["allocator"] == "jemalloc"
    # glibc maps each 128 MB output afresh: about 32,768 faults of 4 KiB pages per call.
    assert system["faults"] > 10_000
    assert jemalloc["faults"] < system["faults"] / 20


@pytest.mark.skipif(host_allocator.find_jemalloc() is None, reason="no jemalloc on this machine")
def test_a_process_restarts_itself_on_jemalloc_once():
    report = "import os; from proxy_task.runtime.host_allocator import active_allocator; print(active_allocator())"
    restart = ("from proxy_task.runtime.host_allocator import reexecute_with_allocator; "
               f"reexecute_with_allocator(['-c', {report!r}]); print('not restarted')")
    for switch, expected in (("jemalloc", "jemalloc"), ("system", "not restarted")):
        done = subprocess.run([sys.executable, "-c", restart], env=_clean_environ(**{host_allocator.SWITCH: switch}),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == expected


def test_require_passes_on_the_running_allocator_and_exits_naming_the_fix_otherwise(monkeypatch):
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    if host_allocator.active_allocator() != "system":
        pytest.skip("this test process already runs on jemalloc")
    host_allocator.require("system", ["-c", "pass"])  # nothing to do
    monkeypatch.setenv(host_allocator.SWITCH, "system")  # so jemalloc cannot be switched on
    with pytest.raises(SystemExit, match="--allocator jemalloc: this process runs on system; unset SPINENET_NAS_ALLOCATOR=system"):
        host_allocator.require("jemalloc", ["-c", "pass"])
