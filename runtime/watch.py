"""Deploys from a folder: `deploy_folder` at start, `FlowWatcher` on every change after, and
`deploy_to_folder` for `sce deploy --to DIR` (check here, then hand the file to the watcher).

An editor saves in bursts (truncate, write, rename, touch); the watcher deploys a file only once it
has been quiet for `debounce` seconds, so a half-written save is never deployed. A file that is
still broken after that is refused like any bad deploy, and the live version stays.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from runtime.registry import DEPLOYED, REFUSED, DeployResult, Registry
from sce.build import build
from sce.files import write_atomic
from sce.lint import Settings
from sce.lint.runner import collect_files
from sce.loader import FLOW_SUFFIXES, load_path

log = logging.getLogger("sce.watch")

#: Names editors use for their temporary and backup files.
_EDITOR_JUNK = (".swp", ".swx", ".tmp", "~", ".bak", ".part")


def is_flow_file(path: Path) -> bool:
    name = path.name
    return (
        path.suffix.lower() in FLOW_SUFFIXES
        and not name.startswith((".", "#"))
        and not name.endswith(_EDITOR_JUNK)
    )


#: Which flow files a watch leaves alone (a draft saved through the API: `FlowRepository.saved_here`).
Skip = Callable[[Path], bool]


def deploy_folder(
    registry: Registry, folder: str | Path, *, who: str = "startup", skip: Skip | None = None
) -> list[DeployResult]:
    """Deploy the flow files of `folder` that changed since they were last deployed (all of
    them the first time), but those `skip` names. A restart thus keeps a rollback made since."""
    files, problems = collect_files([folder], registry.settings or Settings())
    for problem in problems:
        log.error("%s", problem)
    return [
        registry.deploy_path(path, who=who, if_changed=True)
        for path in sorted(files)
        if skip is None or not skip(path)
    ]


def deploy_to_folder(
    path: str | Path, folder: str | Path, *, settings: Settings | None = None, who: str = ""
) -> DeployResult:
    """Check a flow here (lint and compile, like any deploy) and, if it is good, put it into the
    folder a runtime watches, atomically, under its own name. A refused flow writes nothing."""
    source = Path(path)
    loaded = load_path(source)
    outcome = build(loaded, settings)
    model = loaded.lint_model  # a flow refused for schema errors still names its flow
    flow_id = model.flow if model is not None else None
    if outcome.errors or outcome.compiled is None:
        return DeployResult(flow_id, REFUSED, diagnostics=outcome.diagnostics, who=who)
    target = Path(folder) / source.name
    if source.resolve() != target.resolve():
        write_atomic(target, source.read_text(encoding="utf-8"))
        shutil.copymode(source, target)
    return DeployResult(
        flow_id,
        DEPLOYED,
        outcome.compiled.version,
        diagnostics=outcome.diagnostics,
        who=who,
        source=str(target),
    )


class _Changes(FileSystemEventHandler):
    def __init__(self, watcher: FlowWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("deleted", "opened", "closed_no_write"):
            return
        path = getattr(event, "dest_path", "") or event.src_path
        self.watcher.touched(Path(str(path)))


class FlowWatcher:
    """Deploys the flow files of a folder when they change, after `debounce` quiet seconds."""

    def __init__(
        self,
        registry: Registry,
        folder: str | Path,
        *,
        debounce: float = 0.5,
        who: str = "watch",
        on_result: Callable[[DeployResult], None] | None = None,
        skip: Skip | None = None,
    ) -> None:
        self.registry = registry
        self.skip = skip
        self.folder = Path(folder)
        self.debounce = debounce
        self.who = who
        self.on_result = on_result
        self._pending: dict[Path, float] = {}
        self._lock = threading.Condition()
        self._stopped = False
        self._observer = Observer()
        self._thread = threading.Thread(target=self._run, name="sce-watch", daemon=True)

    def start(self, *, deploy_existing: bool = True) -> list[DeployResult]:
        results = (
            deploy_folder(self.registry, self.folder, who=self.who, skip=self.skip)
            if deploy_existing
            else []
        )
        self._observer.schedule(_Changes(self), str(self.folder), recursive=True)
        self._observer.start()
        self._thread.start()
        return results

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=5)

    def touched(self, path: Path) -> None:
        if not is_flow_file(path):
            return
        with self._lock:
            self._pending[path] = time.monotonic() + self.debounce
            self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stopped and not self._due():
                    wait = min(self._pending.values(), default=time.monotonic() + 3600)
                    self._lock.wait(max(wait - time.monotonic(), 0.01))
                if self._stopped:
                    return
                now = time.monotonic()
                ready = [p for p, due in self._pending.items() if due <= now]
                for path in ready:
                    del self._pending[path]
            for path in ready:
                self._deploy(path)

    def _due(self) -> bool:
        now = time.monotonic()
        return any(due <= now for due in self._pending.values())

    def _deploy(self, path: Path) -> None:
        if not path.is_file():
            return  # renamed away or deleted before it settled: nothing to deploy
        try:
            if self.skip is not None and self.skip(path):
                log.info("%s: a draft saved through the API, deployed only when asked", path)
                return
            result = self.registry.deploy_path(path, who=self.who)
        except Exception:  # a watcher must outlive any one bad deploy
            log.exception("deploy of %s failed", path)
            return
        if self.on_result is not None:
            self.on_result(result)
