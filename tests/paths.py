"""Where the repository is, for tests that start commands in it (one definition)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Files written by earlier versions that newer code must still read (see its README).
FIXTURES = REPO / "tests" / "fixtures"
