"""The README and docs/ stay true: links resolve, nothing cites outside the repository, the commands
they show exist with the flags they show, and the shown output of quick commands is what they print."""

import argparse
import re
import shlex
from pathlib import Path

import pytest

from nas.cli import build_parser, main
from tests.paths import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
COMMAND = re.compile(r"spinenet-nas ([a-z][a-z-]*)([^`\n#|]*)")


def _slug(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (GitHub's rule: lower case, punctuation dropped)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in page.read_text().splitlines() if re.match(r"#{1,6} ", line)}


def _code(text: str) -> str:
    """The code of a page: its fenced blocks and inline code spans, one per line."""
    fenced = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return "\n".join([*fenced, *inline])


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_resolves(page):
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: link to {target} finds no file"
        assert REPO in resolved.parents or resolved == REPO, f"{page.name}: {target} leaves the repository"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{page.name}: {target}: no such heading"


def test_every_docs_page_is_linked_from_the_readme_and_says_what_it_is_for():
    readme = (REPO / "README.md").read_text()
    for page in PAGES[1:]:
        assert f"(docs/{page.name})" in readme or f"(docs/{page.name}#" in readme, f"README does not link {page.name}"
        first = page.read_text().splitlines()[0]
        assert first.startswith("# ") and len(first) > 20, f"{page.name}: the first line is its title and purpose"


def test_nothing_cites_outside_the_repository():
    for page in [*PAGES, *REPO.glob("results/reports/*/README.md")]:
        text = page.read_text()
        assert "shared/reference" not in text and "../shared" not in text, f"{page} cites outside the repository"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_commands_shown_exist_with_the_flags_shown(page):
    commands = _subcommands()
    for name, rest in COMMAND.findall(_code(page.read_text())):
        assert name in commands, f"{page.name}: `spinenet-nas {name}` is no command; there are {sorted(commands)}"
        known = commands[name]._option_string_actions
        for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest):
            assert flag in known, f"{page.name}: `spinenet-nas {name}` has no {flag}"


def _shown_runs(page: Path):
    """(command, output lines) of each fenced block that starts with `$ spinenet-nas ...`."""
    blocks = re.findall(r"```\n\$ (spinenet-nas [^\n]+)\n(.*?)```", page.read_text(), flags=re.S)
    return [(command, [line for line in output.splitlines() if line.strip() and line.strip() != "..."])
            for command, output in blocks]


SHOWN = [(page, command, lines) for page in PAGES for command, lines in _shown_runs(page)]


def test_some_output_is_shown():
    assert SHOWN, "no `$ spinenet-nas ...` block found: the pattern of _shown_runs no longer matches the docs"


@pytest.mark.parametrize("page, command, lines", SHOWN, ids=[f"{p.name}:{c}" for p, c, _ in SHOWN])
def test_shown_output_is_what_the_command_prints(page, command, lines, capsys):
    assert main(shlex.split(command)[1:]) == 0
    printed = {" ".join(line.split()) for line in capsys.readouterr().out.splitlines()}
    for line in lines:
        assert " ".join(line.split()) in printed, f"{page.name}: `{command}` no longer prints {line!r}"


def test_the_files_export_md_names_are_what_export_writes(tmp_path, capsys):
    from tests.nas.campaign.campaign_helpers import drive, new_campaign, surrogate_config

    campaign = new_campaign(tmp_path / "c", surrogate_config("search.num_trials=2", "search.space=spinenet-49"))
    drive(campaign)
    campaign.dir.close()
    assert main(["export", str(tmp_path / "c"), "--top", "1"]) == 0
    written = {Path(line).name for line in capsys.readouterr().out.split()}
    text = (REPO / "docs" / "export.md").read_text()
    named = set(re.findall(r"`([A-Za-z][\w.]*\.(?:json|py))`", text))
    assert {"best.json", "model.json", "rankR_trialNNNNN.json", "rankR_trialNNNNN_tf.py"} <= named
    for name in named:
        pattern = re.escape(name).replace("R", r"\d").replace("NNNNN", r"\d{5}")
        assert any(re.fullmatch(pattern, w) for w in written), f"export.md names {name}; export wrote {sorted(written)}"
