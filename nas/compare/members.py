"""Who is compared: searched spaces, published references and the user's spec files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from nas.compare.config import CompareConfig
from search_space.builtins import get_builtin
from search_space.serialization import load_spec_file
from search_space.spec import ArchitectureSpec

DISPLAY = {"r50-fpn": "R50-FPN", "r35-sp18": "R35-SP18", "r23-sp30": "R23-SP30", "r14-sp39": "R14-SP39",
           "r0-sp53": "R0-SP53", "spinenet-49": "SpineNet-49"}


@dataclasses.dataclass(frozen=True)
class Member:
    """One row of the comparison.

    ``kind`` is ``searched`` (``key`` names a search space), ``reference``
    (``key`` names a built-in architecture) or ``file`` (``key`` is a spec file).
    ``slug`` names its folders in the comparison directory.
    """

    name: str
    kind: str
    key: str
    slug: str

    def fixed_spec(self) -> ArchitectureSpec:
        """The architecture of a reference or a file member (a searched one comes from its campaign)."""
        if self.kind == "reference":
            return get_builtin(self.key)
        if self.kind == "file":
            return load_spec_file(self.key)
        raise ValueError(f"{self.name} is searched: its architecture is its campaign's best")


def members(compare: CompareConfig) -> list[Member]:
    """Rows in table order: R50-FPN, the family from R35 to R0, SpineNet-49, then files."""
    rows = [Member(DISPLAY.get(n, n), "reference", n, f"reference-{n}") for n in compare.references
            if n != "spinenet-49"]
    for space in compare.searched:
        name = DISPLAY.get(space, space) + (" (searched)" if space == "spinenet-49" else "")
        rows.append(Member(name, "searched", space, f"searched-{space}"))
    if "spinenet-49" in compare.references:
        rows.append(Member("SpineNet-49 (published)", "reference", "spinenet-49", "reference-spinenet-49"))
    for index, path in enumerate(compare.spec_files):
        rows.append(Member(Path(path).stem, "file", str(Path(path).absolute()), f"file{index}-{Path(path).stem}"))
    return rows
