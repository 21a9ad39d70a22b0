"""The package installed without its source tree (not editable) runs a surrogate campaign: no file is read by path."""

import os
import shutil
import subprocess
import sys

import pytest

from tests.paths import REPO


@pytest.mark.slow
def test_a_non_editable_install_runs_a_surrogate_campaign(tmp_path):
    source = tmp_path / "source"  # a copy, so that the build writes nothing into the checkout
    for package in ("nas", "search_space", "proxy_task", "controller", "results", "storage"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target",
         str(site), str(source)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    assert (site / "nas" / "view" / "page.html").is_file()  # package data: the live view's page
    # The installed copy comes first on the path, the run starts outside the checkout, and the
    # checkout's benchmarks/ are not on the path: what the campaign needs must be in the package.
    env = {**os.environ, "PYTHONPATH": str(site)}
    script = ("import sys, nas, proxy_task.surrogate_reward as s\n"
              "print(nas.__file__, s.__file__)\n"
              "from nas.cli import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    run = subprocess.run(
        [sys.executable, "-c", script, "search", "--dir", str(tmp_path / "campaign"), "--set", "trial.kind=surrogate",
         "--set", "search.space=r0-sp53", "--set", "search.num_trials=2", "--set", "trial.dispatch=tasks",
         "--set", "output.tensorboard=false"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    first = run.stdout.splitlines()[0].split()
    assert all(path.startswith(str(site)) for path in first), first
    assert "campaign done: 2 trials" in run.stdout
