"""Everything one server process runs on: settings, the flow registry, the session store, calls,
the authoring repository, the last-reply memory for webhook retries, and the folder watcher.

Built once per process (per gunicorn worker); the blueprints reach it through `service()`, and
the voice webhooks (`runtime.server.voice.VoiceWebhooks`) are given it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from runtime.calls import Calls, Effects
from runtime.config import RuntimeConfig
from runtime.effects import LiveEffects
from runtime.registry import DeployResult, Registry
from runtime.server.answers import Answers
from runtime.server.metrics import METRICS
from runtime.server.recordings import Recordings
from runtime.server.twiml import Voice
from runtime.store import (
    SessionStore,
    open_audit,
    open_deploys,
    open_logins,
    open_store,
    shared,
)
from runtime.store.durable import DurableDeploys
from runtime.store.replies import Replies, open_replies
from runtime.watch import FlowWatcher, deploy_folder
from sce.access.users import UserFile
from sce.api.auth import Access
from sce.lint import Settings, load_settings
from sce.prompts.catalog import PromptLibrary
from sce.prompts.settings import load_prompt_settings
from sce.revisions import FlowRepository

if TYPE_CHECKING:
    from runtime.sip.run import SipAdapter

log = logging.getLogger("sce.server")

#: The folder, inside the flows folder, that keeps the deployed state of a shared store.
DEPLOYS_FOLDER = ".deploys"

#: Seconds a webhook may spend on effects (HTTP, SMS) before it must answer: Twilio gives up
#: on a webhook after 15 s, and the answer still has to be built and sent.
WEBHOOK_BUDGET = 12.0


@dataclass
class Service:
    config: RuntimeConfig
    registry: Registry
    store: SessionStore
    calls: Calls
    flows: FlowRepository
    replies: Replies
    recordings: Recordings
    #: Users, browser sessions and the audit log, for the API's permission check.
    access: Access
    answers: Answers = field(default_factory=Answers)
    #: How the webhooks speak per (root URL, flow): built once (see voice._voice).
    voices: dict[tuple[str, str], Voice] = field(default_factory=dict)
    watcher: FlowWatcher | None = None
    #: Told to stop (SIGTERM): /healthz says so, so that a load balancer sends new calls
    #: elsewhere while the calls this process holds finish.
    draining: bool = False
    #: The SIP adapter of this process (`sce serve --sip`), when it runs one.
    sip: SipAdapter | None = None

    @classmethod
    def open(
        cls,
        config: RuntimeConfig,
        *,
        watch: bool = True,
        deploy: bool = True,
        settings: Settings | None = None,
        effects: Effects | None = None,
    ) -> Service:
        """Open the stores the settings name; with `deploy`, deploy the flows folder (what
        changed since the last deploy), and with `watch` also every later change. A worker
        of several sharing Redis does neither: one watcher (in `sce serve`'s main process)
        deploys for all. `effects` replaces the live outside world (`sce serve --http`
        answers fetches from stub files). StoreUnavailable if Redis is down."""
        folder = Path(config.flows)
        registry = open_registry(config, settings)
        store = open_store(config.store, idle_ttl=config.idle_ttl, ended_ttl=config.ended_ttl)
        calls = Calls(
            registry,
            store,
            effects or LiveEffects(config),
            limits=config.limits,
            budget=WEBHOOK_BUDGET,
        )
        service = cls(
            config,
            registry,
            store,
            calls,
            FlowRepository(folder),
            open_replies(config.store, idle_ttl=config.idle_ttl, ended_ttl=config.ended_ttl),
            Recordings(config.prompts, open_prompts(config)),
            open_access(config),
        )
        if deploy or watch:
            service.watcher, _ = watch_folder(registry, folder, watch=watch)
        return service

    def close(self) -> None:
        if self.sip is not None:
            self.sip.stop()
        if self.watcher is not None:
            self.watcher.stop()
        self.registry.close()
        self.store.close()
        self.replies.close()
        self.access.logins.close()
        self.access.audit.close()


def open_prompts(config: RuntimeConfig) -> PromptLibrary:
    """The prompt library in the folder the runtime settings name, with the settings of
    `[tool.sce.prompts]` beside them (audio targets, speech synthesis)."""
    start = Path(config.origin).parent if config.origin else None
    settings = replace(load_prompt_settings(start), folder=Path(config.prompts))
    return PromptLibrary(config.prompts, settings)


def open_access(config: RuntimeConfig) -> Access:
    """The users file, sessions and audit log the settings name (and the shared token, which
    each app takes from its own settings)."""
    return Access(
        UserFile(config.users),
        open_logins(config.store, idle=config.session_idle, lifetime=config.session_lifetime),
        open_audit(config.store, config.audit),
        config.api_token,
    )


def open_registry(config: RuntimeConfig, settings: Settings | None = None) -> Registry:
    """The registry on the deploy backend the settings name, following other processes'
    deploys, with every deploy counted in the metrics."""
    if settings is None:
        folder = Path(config.flows)
        settings = load_settings(folder if folder.is_dir() else Path.cwd())
    # Deploys are checked against the hosts this server may call (its file, environment and
    # flags), not only the file's.
    settings = replace(settings, http_allow=tuple(config.http_allow))
    backend = open_deploys(config.store)
    if shared(config.store):
        # What is deployed must outlive the store's data (runtime/store/durable.py says why).
        backend = DurableDeploys(backend, Path(config.flows) / DEPLOYS_FOLDER)
    registry = Registry(backend, settings)
    registry.observers.append(METRICS.deployed)
    registry.listen()
    return registry


def watch_folder(
    registry: Registry, folder: Path, *, watch: bool
) -> tuple[FlowWatcher | None, list[DeployResult]]:
    """Deploy what changed in `folder` since its last deploy, and with `watch` start a watcher
    for later changes. Files as a save through the API left them are drafts, deployed only
    through the API (`FlowRepository.saved_here`), unless their flow has no live version at
    all (a first start, or a restart of a server on the in-memory store, which forgot its
    deploys); what changed on disk (an editor, a git pull) is deployed. A missing folder
    deploys nothing (the API can still deploy)."""
    if not folder.is_dir():
        log.warning("no flows folder at %s: nothing deployed from files", folder)
        return None, []
    repository = FlowRepository(folder)

    def draft(path: Path) -> bool:
        live = path.stem in registry.current_versions()
        return live and repository.saved_here(path.stem)

    watcher = FlowWatcher(registry, folder, who="watch", skip=draft) if watch else None
    results = watcher.start() if watcher else deploy_folder(registry, folder, skip=draft)
    for result in results:
        if not result.ok:
            log.error("%s: refused (%d findings)", result.source, len(result.diagnostics))
    return watcher, results


def service() -> Service:
    """The service of the app handling this request."""
    return current_app.extensions["sce"]
