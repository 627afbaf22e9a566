"""Deploys from a watched folder, debounced; `deploy_to_folder` for `sce deploy --to`."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest

from runtime.registry import DEPLOYED, REFUSED, UNCHANGED, DeployResult, Registry
from runtime.store.memory import MemoryDeployBackend
from runtime.watch import FlowWatcher, deploy_to_folder
from sce.report import diagnostic_line
from tests.runtime.flows import broken, greeting, write

DEBOUNCE = 0.3


class Results:
    """Deploy results as the watcher reports them, with a way to wait for the next ones."""

    def __init__(self) -> None:
        self.items: list[DeployResult] = []
        self.changed = threading.Condition()

    def __call__(self, result: DeployResult) -> None:
        with self.changed:
            self.items.append(result)
            self.changed.notify_all()

    def wait_for(self, count: int, within: float = 10) -> list[DeployResult]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.items) >= count, timeout=within)
            return list(self.items)


def start(folder: Path) -> tuple[Registry, FlowWatcher, Results]:
    registry = Registry(MemoryDeployBackend())
    results = Results()
    watcher = FlowWatcher(registry, folder, debounce=DEBOUNCE, on_result=results)
    watcher.start()
    return registry, watcher, results


def prompt(registry: Registry) -> str:
    return registry.current("hello").states["main"].params["prompt"]["text"]["en-US"].source  # type: ignore[index,union-attr]


def test_a_saved_change_is_deployed(tmp_path: Path) -> None:
    write(tmp_path / "hello.json", greeting("One"))
    registry, watcher, results = start(tmp_path)
    try:
        assert prompt(registry).startswith("One")
        write(tmp_path / "hello.json", greeting("Two"))
        (result,) = results.wait_for(1)
        assert result.result == DEPLOYED and prompt(registry).startswith("Two")
        assert registry.log("hello")[0]["who"] == "watch"
    finally:
        watcher.stop()


def test_a_save_in_several_writes_deploys_once_and_never_half_written(tmp_path: Path) -> None:
    path = write(tmp_path / "hello.json", greeting("One"))
    registry, watcher, results = start(tmp_path)
    try:
        text = json.dumps(greeting("Two"))
        with path.open("w", encoding="utf-8") as f:  # an editor writing in chunks
            for i in range(0, len(text), 40):
                f.write(text[i : i + 40])
                f.flush()
                time.sleep(DEBOUNCE / 10)
        results.wait_for(1)
        time.sleep(DEBOUNCE * 2)  # room for a second (wrong) deploy to show up
        assert [r.result for r in results.items] == [DEPLOYED]
        assert prompt(registry).startswith("Two")
    finally:
        watcher.stop()


def test_a_file_left_broken_is_refused_and_the_live_version_stays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "hello.json", greeting("One"))
    registry, watcher, results = start(tmp_path)
    try:
        live = registry.current("hello").version
        with caplog.at_level(logging.WARNING, logger="sce.deploy"):
            write(path, broken())
            (result,) = results.wait_for(1)
        assert result.result == REFUSED and result.diagnostics
        assert registry.current("hello").version == live
        # The server's log says why, each error as `sce lint` prints it.
        [logged] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        errors = [d for d in result.diagnostics if d.severity == "error"]
        assert errors and all(f"  {diagnostic_line(d)}" in logged.splitlines() for d in errors)
        assert f"{path}:" in logged
        (tmp_path / ".hello.json.swp").write_text("editor junk")  # never deployed
        time.sleep(DEBOUNCE * 2)
        assert len(results.items) == 1
    finally:
        watcher.stop()


def test_deploy_to_folder_checks_first_and_the_watcher_takes_it(tmp_path: Path) -> None:
    live, drafts = tmp_path / "live", tmp_path / "drafts"
    live.mkdir()
    drafts.mkdir()
    write(live / "hello.json", greeting("One"))
    registry, watcher, results = start(live)
    try:
        refused = deploy_to_folder(write(drafts / "hello.json", broken()), live)
        assert refused.result == REFUSED and refused.diagnostics
        assert "One" in (live / "hello.json").read_text()  # nothing written
        good = deploy_to_folder(write(drafts / "hello.json", greeting("Two")), live)
        assert good.ok
        (result,) = results.wait_for(1)
        assert result.version == good.version == registry.current("hello").version
    finally:
        watcher.stop()


def test_a_restart_keeps_a_rollback_and_deploys_only_what_changed(tmp_path: Path) -> None:
    from runtime.watch import deploy_folder

    backend = MemoryDeployBackend()  # what processes share, and outlives them
    first = Registry(backend)
    write(tmp_path / "hello.json", greeting("Good"))
    deploy_folder(first, tmp_path)
    write(tmp_path / "hello.json", greeting("Bad"))
    deploy_folder(first, tmp_path)
    good = first.rollback("hello", who="ops").version  # the file still says "Bad"

    restarted = Registry(backend)
    (result,) = deploy_folder(restarted, tmp_path)
    assert result.result == UNCHANGED and restarted.current("hello").version == good
    write(tmp_path / "hello.json", greeting("Fixed"))  # changed while the runtime was down
    (result,) = deploy_folder(Registry(backend), tmp_path)
    assert result.result == DEPLOYED and "Fixed" in prompt(Registry(backend))
