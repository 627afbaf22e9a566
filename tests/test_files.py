"""Writing flow files atomically, and telling regular files from pipes and devices."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sce.files import kind_of, write_atomic


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_creates_and_replaces_a_file(tmp_path: Path) -> None:
    flow = tmp_path / "main.flow"
    write_atomic(flow, "flow a { start -> b }\n")
    assert flow.read_text(encoding="utf-8") == "flow a { start -> b }\n"
    write_atomic(flow, 'hangup b { prompt { text { zh-CN = "再见" } } }\n')
    assert "再见" in flow.read_text(encoding="utf-8")
    assert leftovers(tmp_path) == []


def test_write_atomic_keeps_the_permissions(tmp_path: Path) -> None:
    flow = tmp_path / "main.flow"
    flow.write_text("old\n", encoding="utf-8")
    flow.chmod(0o640)
    write_atomic(flow, "new\n")
    assert stat.S_IMODE(flow.stat().st_mode) == 0o640


def test_write_atomic_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    real = tmp_path / "flows" / "real.flow"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.flow"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink() and link.readlink() == real
    assert real.read_text(encoding="utf-8") == "new\n"
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


def test_write_atomic_into_a_missing_folder_names_the_path_given(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "report.txt"
    with pytest.raises(FileNotFoundError) as raised:
        write_atomic(target, "text\n")
    assert raised.value.filename == str(target)
    assert raised.value.strerror == f"the folder '{target.parent}' does not exist"


def test_write_atomic_errors_name_the_path_not_the_temporary_file(tmp_path: Path) -> None:
    # A file where a folder should be fails for root too (unlike a read-only folder).
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(OSError) as raised:
        write_atomic(blocker / "out.json", "{}\n")
    assert raised.value.filename == str(blocker / "out.json")


def test_write_atomic_writes_a_pipe_in_place(tmp_path: Path) -> None:
    # A pipe or a device cannot be replaced (`sce lint -o /dev/stdout`): it is written directly.
    pipe = tmp_path / "out.pipe"
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so that writing won't wait
    try:
        write_atomic(pipe, "through the pipe\n")
        assert os.read(reader, 100) == b"through the pipe\n"
    finally:
        os.close(reader)
    assert kind_of(pipe) == "a named pipe"
    assert leftovers(tmp_path) == []


def test_kind_of_names_special_files(tmp_path: Path) -> None:
    pipe = tmp_path / "p.flow"
    os.mkfifo(pipe)
    assert kind_of(pipe) == "a named pipe"
    flow = tmp_path / "f.flow"
    flow.write_text("flow f { start -> a }\n", encoding="utf-8")
    assert kind_of(flow) is None
    assert kind_of(tmp_path) is None  # a folder
    assert kind_of(os.devnull) == "a device"
    assert kind_of(tmp_path / "missing.flow") is None  # missing: not a special file
