"""write_atomic: whole files only, with the mode a plain open() would give."""

import os

import pytest

from storage.atomic_file import write_atomic


def test_replaces_whole_file_with_the_usual_mode(tmp_path):
    path = tmp_path / "sub" / "report.md"
    write_atomic(path, b"first")
    write_atomic(path, b"second")
    assert path.read_bytes() == b"second"
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in path.parent.iterdir()] == ["report.md"]  # no temporary left


def test_text_is_written_as_utf8(tmp_path):
    write_atomic(tmp_path / "note.txt", "AP \u2191")
    assert (tmp_path / "note.txt").read_bytes() == "AP \u2191".encode()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "state.json"
    write_atomic(path, b"old")
    with pytest.raises(TypeError):
        write_atomic(path, 12345)  # type: ignore[arg-type]  (neither bytes nor text)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
