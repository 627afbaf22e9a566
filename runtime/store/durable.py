"""The deployed state on disk as well: a deploy backend that survives the loss of its store.

Redis may restart empty (no persistence, a failover to a replica that was behind, a FLUSHALL by
mistake). Its sessions are calls in progress and can be lost with it; what is deployed cannot:
new calls would find no flow and hear an apology. So every version kept for good, every change
of the current version and every deploy record is also written to a folder (beside the flows,
`.deploys/`): the versions as files written once, the current versions as one JSON file
replaced atomically under a lock, the log as lines appended and synced. A process that finds the
store without a flow the folder says is live, or behind it (a snapshot or replica older than the
last deploys: the newest deploy the folder keeps of a flow is missing from the store's log), puts
the versions, the current ones and the missing log records back, and says so in its log, before
it serves a call. A store ahead of the folder (a deploy elsewhere, between its two writes) is
left alone.

The folder must be shared by the processes sharing the store (one machine's workers, or a
shared disk); drafts staged for test calls (`ttl`) are not kept, as they are not deployed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from runtime.store.base import DeployBackend
from sce.files import write_atomic

log = logging.getLogger("sce.deploy")

#: Deploy records put back into a store that lost its log (what a log keeps at most).
LOG_RESTORED = 10_000


class DurableDeploys:
    """`inner` (the shared store) with every deploy also kept in `folder`."""

    def __init__(self, inner: DeployBackend, folder: str | Path) -> None:
        self.inner = inner
        self.folder = Path(folder)
        self._lock = threading.Lock()

    # -- the folder ---------------------------------------------------------------------------

    def _version_file(self, version: str) -> Path:
        return self.folder / "versions" / f"{version}.json"

    @property
    def _current_file(self) -> Path:
        return self.folder / "current.json"

    @property
    def _log_file(self) -> Path:
        return self.folder / "log.jsonl"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time, among threads and processes."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def kept_current(self) -> dict[str, str]:
        """flow id → the version the folder says is live."""
        try:
            data = json.loads(self._current_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.error("the kept deploy state %s cannot be read: %s", self._current_file, e)
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _kept_log(self) -> list[dict[str, object]]:
        """The kept deploy records, oldest first."""
        try:
            lines = self._log_file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: the ones before it stand
            if isinstance(record, dict):
                records.append(record)
        return records

    def _keep(self, what: str, write: Callable[[], None]) -> None:
        try:
            write()
        except OSError as e:  # the store has it: calls go on, the operator must hear of it
            log.error("the deploy store has %s, but %s could not keep it: %s", what, self.folder, e)

    # -- the backend --------------------------------------------------------------------------

    def put_version(self, version: str, ir_json: str, *, ttl: float | None = None) -> None:
        self.inner.put_version(version, ir_json, ttl=ttl)
        if ttl is None:
            path = self._version_file(version)

            def write() -> None:
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    write_atomic(path, ir_json)

            self._keep(f"version {version[:12]}", write)

    def get_version(self, version: str) -> str | None:
        found = self.inner.get_version(version)
        if found is not None:
            return found
        try:
            return self._version_file(version).read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None

    def set_current(self, flow: str, version: str) -> str | None:
        previous = self.inner.set_current(flow, version)

        def write() -> None:
            with self._locked():
                kept = self.kept_current()
                kept[flow] = version
                write_atomic(self._current_file, json.dumps(kept, indent=2, sort_keys=True))

        self._keep(f"{flow} at {version[:12]}", write)
        return previous

    def current(self) -> dict[str, str]:
        """The store's current versions; a store that lost some is given them back first."""
        found = self.inner.current()
        if any(found.get(flow) != version for flow, version in self.kept_current().items()):
            self.restore()
            found = self.inner.current()
        return found

    def append_log(self, record: dict[str, object]) -> None:
        self.inner.append_log(record)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"

        def write() -> None:
            with self._locked():
                fd = os.open(self._log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, line.encode("utf-8"))
                    os.fsync(fd)
                finally:
                    os.close(fd)

        self._keep("a deploy record", write)

    def log(self, flow: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        found = self.inner.log(flow, limit)
        if found or limit <= 0:
            return found
        kept = [r for r in reversed(self._kept_log()) if flow is None or r.get("flow") == flow]
        return kept[:limit]

    def publish(self, flow: str, version: str) -> None:
        self.inner.publish(flow, version)

    def subscribe(self, callback: Callable[[str, str], None]) -> Callable[[], None]:
        return self.inner.subscribe(callback)

    def close(self) -> None:
        self.inner.close()

    # -- putting back what the store lost -----------------------------------------------------

    def restore(self) -> list[tuple[str, str]]:
        """Put back, into a store that lost them or is behind, the live versions the folder keeps
        and the deploy records the store lacks: (flow, version) of each flow put back."""
        with self._locked():
            kept = self.kept_current()
            found = self.inner.current()
            kept_log = self._kept_log()
            restored = []
            for flow, version in sorted(kept.items()):
                if found.get(flow) == version or (
                    flow in found and not self._behind(flow, kept_log)
                ):
                    continue
                text = self.get_version(version)
                if text is None:
                    log.error("cannot restore %s: version %s is kept nowhere", flow, version[:12])
                    continue
                if self.inner.get_version(version) is None:
                    self.inner.put_version(version, text)
                self.inner.set_current(flow, version)
                restored.append((flow, version))
            records = 0
            for record in self._missing(kept_log) if kept else []:
                self.inner.append_log(record)
                records += 1
        if restored or records:
            shown = ", ".join(f"{flow} {version[:12]}" for flow, version in restored) or "none"
            log.warning(
                "the deploy store had lost or fallen behind the deployed state: restored from %s the live "
                "versions (%s) and %d deploy records",
                self.folder,
                shown,
                records,
            )
        return restored

    def _behind(self, flow: str, kept_log: list[dict[str, object]]) -> bool:
        """Whether the store missed the newest deploy of `flow` the folder keeps."""
        newest = next((r for r in reversed(kept_log) if r.get("flow") == flow), None)
        return newest is not None and newest not in self.inner.log(flow, limit=LOG_RESTORED)

    def _missing(self, kept_log: list[dict[str, object]]) -> list[dict[str, object]]:
        """The kept records newer than the store's newest (all of them when it has none), oldest
        first; none when the store's newest is not kept (the folder is the one behind)."""
        newest = self.inner.log(limit=1)
        if not newest:
            return kept_log[-LOG_RESTORED:]
        for at in range(len(kept_log) - 1, -1, -1):
            if kept_log[at] == newest[0]:
                return kept_log[at + 1 :]
        return []
