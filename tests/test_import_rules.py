"""The package map of docs/architecture.md, enforced by reading every import (including ones inside functions)."""

import ast
from pathlib import Path

import pytest

from tests.paths import REPO

# What each package may import of ours: the lower layers only.
ALLOWED = {
    "storage": set(),
    "search_space": set(),
    "controller": {"search_space", "storage"},
    "proxy_task": {"search_space", "storage"},
    "results": {"search_space", "storage"},
    "nas": {"search_space", "storage", "controller", "proxy_task", "results"},
    "benchmarks": {"search_space", "storage", "controller", "proxy_task", "results", "nas"},
}
OURS = set(ALLOWED)
# Third-party packages confined to one place.
CONFINED = {
    "ray": ("nas/",),
    "tensorflow": ("proxy_task/data/tensorflow_cpu.py", "proxy_task/tf_import/checkpoint_reader.py", "benchmarks/"),
}


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every absolute import in ``path``."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def _sources(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_lower_layers(package):
    wrong = {str(path.relative_to(REPO)): sorted((imported_roots(path) & OURS) - ALLOWED[package] - {package})
             for path in _sources(package)}
    assert {path: names for path, names in wrong.items() if names} == {}


@pytest.mark.parametrize("library", sorted(CONFINED))
def test_confined_libraries_are_imported_only_where_allowed(library):
    places = CONFINED[library]
    found = [str(path.relative_to(REPO)) for package in sorted(ALLOWED) for path in _sources(package)
             if library in imported_roots(path)]
    assert found, f"no import of {library} found: the rule is stale"
    assert [path for path in found if not path.startswith(places)] == []


@pytest.mark.parametrize("package", sorted(set(ALLOWED) - {"benchmarks"}))
def test_the_tests_of_a_package_import_no_upper_package(package):
    allowed = ALLOWED[package] | {package}
    wrong = {str(path.relative_to(REPO)): sorted((imported_roots(path) & OURS) - allowed)
             for path in _sources(f"tests/{package}")}
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_rules_see_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def late():\n    from nas.campaign import launch\n    import ray.tune\n")
    assert {"nas", "ray"} <= imported_roots(bad)
