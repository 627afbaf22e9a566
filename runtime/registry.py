"""The flow registry: compiled versions per flow, the current one for new calls, deploys and
rollbacks, and the news of deploys from other processes.

A deploy loads, lints and compiles (`sce.build.build`, the same pass as `sce compile`); any error
refuses it with its diagnostics and the live version stays. A good deploy becomes current with
one dict assignment (atomic for every thread), after it is archived in the backend, so another
process told of it can always load it. Calls pin their version when they start; a version that is
no longer current stays loaded while calls use it (`release`), and can always be loaded again
from the archive (`get`), so unloading never breaks a call.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from runtime.errors import UnknownFlow
from runtime.store.base import DeployBackend
from sce.build import Build, build
from sce.clock import iso_now
from sce.compiler import CompiledFlow
from sce.compiler.ir import IRError
from sce.diagnostics import Diagnostic, Severity
from sce.lint import Settings
from sce.loader import LoadedFlow, load_path
from sce.report import diagnostic_line

log = logging.getLogger("sce.deploy")

DEPLOYED = "deployed"
REFUSED = "refused"
UNCHANGED = "unchanged"
ROLLED_BACK = "rolled-back"
#: Seconds a draft staged for test calls stays archived after it was last staged: a day, far
#: more than a test call lasts (a process holds a version while its calls use it, whatever this).
STAGED_TTL = 24 * 3600.0


@dataclass
class DeployResult:
    """What a deploy did. `ok` is False when it was refused; `diagnostics` say why."""

    flow: str | None
    result: str
    version: str | None = None
    previous: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    who: str = ""
    when: str = ""
    source: str | None = None
    #: sha256 of the source text deployed (how a restart tells an unchanged file).
    digest: str | None = None
    #: The revision of the flow repository deployed, when the deploy came from it (the API's
    #: deploy of a stored flow, a rollback to a version so deployed).
    revision: int | None = None

    @property
    def ok(self) -> bool:
        return self.result != REFUSED

    def to_data(self) -> dict[str, object]:
        known = {} if self.revision is None else {"revision": self.revision}
        return {
            "flow": self.flow,
            "result": self.result,
            "version": self.version,
            "previous": self.previous,
            "who": self.who,
            "when": self.when,
            "source": self.source,
            "digest": self.digest,
            **known,
            "errors": [
                diagnostic_line(d) for d in self.diagnostics if d.severity is Severity.ERROR
            ],
        }


def _values(records: list[dict[str, object]], key: str) -> Iterator[object]:
    return (record.get(key) for record in records)


def _digest(loaded: LoadedFlow) -> str | None:
    text = loaded.source.text
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() if text else None


class Registry:
    """Compiled flows of one runtime process, kept in step with the deploy backend."""

    def __init__(self, backend: DeployBackend, settings: Settings | None = None) -> None:
        self.backend = backend
        self.settings = settings
        self._lock = threading.Lock()
        #: flow id → current version (replaced whole on change: readers never lock).
        self._current: dict[str, str] = {}
        #: version → compiled flow, for the versions this process has loaded.
        self._loaded: dict[str, CompiledFlow] = {}
        self._stop_listening: Callable[[], None] | None = None
        #: Told of every deploy, refused ones too (the server counts them for its metrics).
        self.observers: list[Callable[[DeployResult], None]] = []
        #: Seconds a draft staged for test calls stays archived after its last staging.
        self.staged_ttl = STAGED_TTL
        self.refresh()

    # -- reading ------------------------------------------------------------------------------

    def current(self, flow: str) -> CompiledFlow:
        """The version new calls of `flow` get."""
        version = self._current.get(flow)
        if version is None:
            raise UnknownFlow(f"no flow '{flow}' is deployed")
        return self.get(version)

    def current_versions(self) -> dict[str, str]:
        return dict(self._current)

    def get(self, version: str) -> CompiledFlow:
        """A compiled version, loaded from the archive when this process does not hold it."""
        compiled = self._loaded.get(version)
        if compiled is not None:
            return compiled
        text = self.backend.get_version(version)
        if text is None:
            raise UnknownFlow(f"no deployed version {version[:12]}")
        try:
            compiled = CompiledFlow.from_json(text)
        except IRError as e:
            raise UnknownFlow(f"version {version[:12]} cannot be loaded: {e}") from None
        with self._lock:
            return self._loaded.setdefault(version, compiled)

    def pins(self, flow: CompiledFlow) -> dict[str, str]:
        """The current versions of every subflow `flow` may call, however deep: a call starting
        now pins these, so it never mixes versions."""
        pins: dict[str, str] = {}
        todo = list(flow.subflows)
        while todo:
            sub = todo.pop()
            if sub in pins or sub == flow.flow:
                continue
            version = self._current.get(sub)
            if version is None:
                continue  # the subflow node takes its error exit if the call gets there
            pins[sub] = version
            todo.extend(self.get(version).subflows)
        return pins

    def loaded_versions(self) -> set[str]:
        return set(self._loaded)

    def log(self, flow: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        return self.backend.log(flow, limit)

    # -- deploying ----------------------------------------------------------------------------

    def deploy_path(
        self, path: str | Path, *, who: str = "", if_changed: bool = False
    ) -> DeployResult:
        """Deploy a flow file. With `if_changed`, a file unchanged since it was last deployed
        is left alone: a runtime restarting over its folder keeps what operators did since
        (a rollback, a newer deploy from elsewhere) instead of deploying the folder again."""
        loaded = load_path(path)
        if if_changed and loaded.flow is not None:
            current = self._current.get(loaded.flow.flow)
            if current is not None and self._deployed_as_is(loaded):
                return DeployResult(
                    loaded.flow.flow, UNCHANGED, current, current, who=who, source=loaded.path
                )
        return self.deploy(loaded, who=who)

    def _deployed_as_is(self, loaded: LoadedFlow) -> bool:
        """Whether the last deploy from this file had exactly this content."""
        assert loaded.flow is not None  # the only caller checked it
        for record in self.backend.log(loaded.flow.flow, limit=1000):
            if record.get("source") == loaded.path:
                return record.get("digest") == _digest(loaded)
        return False

    def deploy(
        self,
        loaded: LoadedFlow,
        *,
        who: str = "",
        source: str | None = None,
        revision: int | None = None,
    ) -> DeployResult:
        """Lint and compile `loaded`; make it current if nothing is an error. The record names
        `source` (default: the file loaded) as where the flow came from: a restart deploys a
        file again unless its last record from that file has the same content; and `revision`,
        the revision of the flow repository that `loaded` is, when it is one."""
        source = source or loaded.path
        outcome = build(loaded, self.settings)
        model = loaded.lint_model  # a flow refused for schema errors still names its flow
        flow_id = model.flow if model is not None else None
        if outcome.errors or outcome.compiled is None:
            previous = self._current.get(flow_id or "")
            return self._record(
                DeployResult(
                    flow_id,
                    REFUSED,
                    None,
                    previous,
                    outcome.diagnostics,
                    who=who,
                    source=source,
                    digest=_digest(loaded),
                    revision=revision,
                )
            )
        return self.activate(
            outcome.compiled,
            who=who,
            source=source,
            diagnostics=outcome.diagnostics,
            digest=_digest(loaded),
            revision=revision,
        )

    def activate(
        self,
        compiled: CompiledFlow,
        *,
        who: str = "",
        source: str | None = None,
        diagnostics: list[Diagnostic] | None = None,
        result: str = DEPLOYED,
        digest: str | None = None,
        revision: int | None = None,
    ) -> DeployResult:
        """Make a compiled flow current here and everywhere the backend reaches."""
        with self._lock:
            previous = self._current.get(compiled.flow)
            if previous == compiled.version:
                result = UNCHANGED
            else:
                self.backend.put_version(compiled.version, compiled.to_json(indent=None))
                self._loaded[compiled.version] = compiled
                before = self.backend.set_current(compiled.flow, compiled.version)
                if before == compiled.version:  # another process deployed it first
                    result, previous = UNCHANGED, before
                self._current = {**self._current, compiled.flow: compiled.version}
        if result != UNCHANGED:
            self.backend.publish(compiled.flow, compiled.version)
        return self._record(
            DeployResult(
                compiled.flow,
                result,
                compiled.version,
                previous,
                diagnostics or [],
                who=who,
                source=source,
                digest=digest,
                revision=revision,
            )
        )

    def rollback(self, flow: str, version: str | None = None, *, who: str = "") -> DeployResult:
        """Make an earlier version current again: `version`, or the one before the current."""
        if version is None:
            current = self._current.get(flow)
            earlier = [
                r["version"]
                for r in self.backend.log(flow, limit=10_000)
                if r.get("result") in (DEPLOYED, ROLLED_BACK) and r.get("version") != current
            ]
            if not earlier:
                raise UnknownFlow(f"'{flow}' has no earlier version to roll back to")
            version = str(earlier[0])
        compiled = self.version_of(flow, version)
        went_live = [
            r
            for r in self.backend.log(flow, limit=10_000)
            if r.get("version") == compiled.version and r.get("result") in (DEPLOYED, ROLLED_BACK)
        ]
        if not went_live:  # a draft staged for a test call: deploying is another matter
            raise UnknownFlow(f"version {compiled.version[:12]} of '{flow}' was never deployed")
        # What the version was made from, as its deploy recorded it: the same text again.
        revision = next((r for r in _values(went_live, "revision") if isinstance(r, int)), None)
        digest = next((d for d in _values(went_live, "digest") if isinstance(d, str)), None)
        return self.activate(
            compiled, who=who, result=ROLLED_BACK, revision=revision, digest=digest
        )

    def version_of(self, flow: str, version: str) -> CompiledFlow:
        """A version of `flow`, named whole or by a prefix of 8+ characters of a deployed one;
        UnknownFlow if it is not one of that flow's."""
        compiled = self.get(self._full_version(flow, version))
        if compiled.flow != flow:
            raise UnknownFlow(f"version {version[:12]} is not a version of '{flow}'")
        return compiled

    def stage(self, loaded: LoadedFlow) -> Build:
        """Build a draft like a deploy and archive it without making it current, so that a test
        call can start on it in any process. Nothing is logged: nothing changed for callers.
        The archive keeps it `staged_ttl` seconds (every edit tested is a new draft: kept for
        good, they would fill the store), unless it is deployed."""
        outcome = build(loaded, self.settings)
        compiled = outcome.compiled
        if compiled is not None and not outcome.errors:
            text = compiled.to_json(indent=None)
            self.backend.put_version(compiled.version, text, ttl=self.staged_ttl)
            with self._lock:
                self._loaded.setdefault(compiled.version, compiled)
        return outcome

    def _full_version(self, flow: str, prefix: str) -> str:
        """A version from a prefix of at least 8 characters, as people copy them from the log."""
        if len(prefix) == 64:
            return prefix
        matches = {
            str(r["version"])
            for r in self.backend.log(flow, limit=10_000)
            if r.get("version") and str(r["version"]).startswith(prefix)
        }
        if len(prefix) < 8 or len(matches) != 1:
            raise UnknownFlow(
                f"'{prefix}' names no single version of '{flow}' (give at least 8 characters)"
            )
        return matches.pop()

    def _record(self, result: DeployResult) -> DeployResult:
        """Log the deploy (and what it did) in the backend and in the process's log."""
        result.when = iso_now()
        record = result.to_data()
        self.backend.append_log(record)
        if result.ok:
            version = (result.version or "")[:12]
            who = result.who or "-"
            log.info("deploy of %s: %s %s by %s", result.flow, result.result, version, who)
        else:
            errors = cast(list[str], record["errors"])
            log.warning(
                "deploy of %s refused: %d error(s); the live version stays\n%s",
                result.source or result.flow,
                len(errors),
                "\n".join(f"  {line}" for line in errors),
            )
        for observer in self.observers:
            try:
                observer(result)
            except Exception:  # the deploy is done and logged: a watcher of it cannot undo it
                log.exception("an observer of the deploy of %s failed", result.flow)
        return result

    # -- keeping in step ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Take the current versions from the backend (at start, and when told of a deploy)."""
        current = self.backend.current()
        with self._lock:
            self._current = dict(current)

    def _heard(self, flow: str, version: str) -> None:
        if self._current.get(flow) == version:
            return
        try:
            self.get(version)
        except UnknownFlow as e:
            log.error("deploy of %s announced but not loadable: %s", flow, e)
            return
        with self._lock:
            self._current = {**self._current, flow: version}

    def listen(self) -> None:
        """Follow deploys made by other processes sharing the backend."""
        if self._stop_listening is None:
            self._stop_listening = self.backend.subscribe(self._heard)
            self.refresh()

    def close(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None

    def release(self, in_use: Mapping[str, int] | Counter[str]) -> list[str]:
        """Unload the versions that are neither current nor pinned by a live call."""
        keep = set(self._current.values()) | {v for v, n in in_use.items() if n > 0}
        with self._lock:
            gone = [v for v in self._loaded if v not in keep]
            for version in gone:
                del self._loaded[version]
        return gone
