"""Where the repository is, for tests that start commands in it (one definition)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
