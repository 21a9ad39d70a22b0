"""A finished campaign says what to do next, with its directory and this environment's commands."""

import os
import sys
from pathlib import Path

from nas.campaign.launch import next_steps


def test_the_next_steps_name_the_directory_and_the_environments_tools(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = next_steps(tmp_path / "runs" / "c", tensorboard=True)
    tools = os.path.relpath(Path(sys.executable).parent)
    tools = tools if not tools.startswith("..") else str(Path(sys.executable).parent)
    assert text.splitlines()[0] == "next:"
    assert f"{tools}/spinenet-nas status runs/c " in text  # below the working directory: relative
    assert f"{tools}/spinenet-nas view runs/c " in text
    assert f"{tools}/spinenet-nas export runs/c --top 5 --format tf" in text
    assert f"{tools}/tensorboard --logdir runs/c/tensorboard" in text
    assert "tensorboard" not in next_steps(Path("/elsewhere/c"), tensorboard=False).replace("/c", "")
    assert "status /elsewhere/c " in next_steps(Path("/elsewhere/c"), tensorboard=False)
