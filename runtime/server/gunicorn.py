"""`sce serve`: the app under gunicorn, behind `runtime.server.front` (an event loop reads each
request whole, then one of `--threads` threads serves it: a webhook may wait on a business
system, and a slow client holds no thread).

Each worker builds its own app (no preloading: Redis connections and threads must not cross a
fork). Who deploys the flows folder depends on the store:
- in memory, calls live in the one worker, so that worker deploys and watches the folder;
- on Redis, the main process deploys the folder once and watches it, and every worker follows
  deploys through Redis: one deploy per change, whatever the number of workers.

Metrics of all workers are summed through PROMETHEUS_MULTIPROC_DIR, a folder made for this run.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication

from runtime.config import RuntimeConfig
from runtime.errors import RuntimeFault
from runtime.server import MULTIPROCESS_ENV
from runtime.store import shared
from runtime.watch import FlowWatcher

if TYPE_CHECKING:
    from gunicorn.workers.base import Worker

    from runtime.server.front import Front

log = logging.getLogger("sce.server")


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    threads: int = 8
    #: Stub replies for HTTP fetches (`sce serve --http FILE`), else the live business systems.
    http_stubs: str | None = None
    watch: bool = True
    #: Let a server without signature checks listen beyond loopback (`--insecure-dev`).
    insecure_dev: bool = False


def check(config: RuntimeConfig, options: Options) -> None:
    """Refuse what cannot work, before anything starts."""
    if options.workers < 1 or options.threads < 1:
        raise RuntimeFault("--workers and --threads must be at least 1")
    if options.workers > 1 and not shared(config.store):
        raise RuntimeFault(
            "in-memory sessions live in one process: use --workers 1, or --redis URL to share "
            "calls between workers"
        )
    if config.sip:
        from runtime.sip.run import parse_address

        parse_address(config.sip)
    if not config.verify_signatures and not (loopback(options.host) or options.insecure_dev):
        raise RuntimeFault(
            f"signature checks are off (verify-signatures = false, or SCE_VERIFY_SIGNATURES), "
            f"and {options.host} is not a loopback address: anyone who reaches the port could "
            "drive calls, transfers and messages. Turn the checks on, listen on 127.0.0.1, or "
            "pass --insecure-dev to accept the risk on a test network"
        )
    if shared(config.store):  # StoreUnavailable now, not a worker that fails to boot later
        from runtime.store.redis_client import connect

        connect(config.store).close()


def loopback(host: str) -> bool:
    """Whether `host` (as `--host` takes it) only listens on this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def build_app(config: RuntimeConfig, options: Options) -> Front:
    """One worker's app."""
    from runtime.scripts.load import load_stubs
    from runtime.server.app import MAX_API_BYTES, create_app
    from runtime.server.front import Front
    from runtime.server.metrics import METRICS
    from runtime.server.service import Service
    from runtime.server.voice import PREFIX
    from runtime.server.webhook import MAX_BYTES as WEBHOOK_BYTES
    from runtime.simulator import SimulatedEffects

    effects = None
    if options.http_stubs:
        effects = SimulatedEffects(load_stubs(options.http_stubs), config)
    alone = not shared(config.store)
    service = Service.open(config, watch=alone and options.watch, deploy=alone, effects=effects)
    audio_limit = service.recordings.library.settings.audio.max_bytes + 64 * 1024

    def limit(path: str) -> int:
        """The largest body a route takes: a webhook's, or an upload's (the API's others are
        held to less by Flask)."""
        return WEBHOOK_BYTES if path.startswith(PREFIX) else max(MAX_API_BYTES, audio_limit)

    if config.sip:
        from runtime.sip.run import SipAdapter, parse_address

        service.sip = SipAdapter(service, parse_address(config.sip), threads=options.threads)
        service.sip.start()

    def drain() -> None:
        service.draining = True

    return Front(
        create_app(service=service),
        threads=options.threads,
        limit=limit,
        on_drain=drain,
        on_cut_off=METRICS.request_cut_off,
        multiprocess=options.workers > 1,
    )


def settings(o: Options) -> dict[str, object]:
    """The gunicorn settings `sce serve` runs with (bench/floor.py runs its floor with them)."""
    return {
        "bind": f"[{o.host}]:{o.port}" if ":" in o.host else f"{o.host}:{o.port}",
        "workers": o.workers,
        "threads": o.threads,
        "worker_class": "runtime.server.front.Worker",
        # Connections are cheap on the loop; past this many a worker refuses more (503).
        "worker_connections": 4096,
        # Twilio gives up on a webhook after 15 s; a worker stuck longer is restarted.
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "proc_name": "sce-serve",
        "loglevel": "info",
        "accesslog": None,
        # No control socket in the home folder: several servers (and tests) run side by side.
        "control_socket_disable": True,
    }


class _Gunicorn(BaseApplication):
    def __init__(self, config: RuntimeConfig, options: Options) -> None:
        self.runtime_config = config
        self.options = options
        self.watcher: FlowWatcher | None = None
        super().__init__()

    def load_config(self) -> None:
        hooks = {
            "on_starting": self._on_starting,
            "child_exit": _child_exit,
            "on_exit": self._on_exit,
        }
        for key, value in {**settings(self.options), **hooks}.items():
            self.cfg.set(key, value)

    def load(self) -> Front:
        return build_app(self.runtime_config, self.options)

    def _on_starting(self, _server: object) -> None:
        if not shared(self.runtime_config.store):
            return
        from runtime.server.service import open_registry, watch_folder

        registry = open_registry(self.runtime_config)
        self.watcher, _ = watch_folder(
            registry, Path(self.runtime_config.flows), watch=self.options.watch
        )
        if self.watcher is None:
            registry.close()

    def _on_exit(self, _server: object) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher.registry.close()


def _child_exit(_server: object, worker: Worker) -> None:
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def serve(config: RuntimeConfig, options: Options) -> None:
    """Run the server in the foreground until interrupted."""
    check(config, options)
    if "prometheus_client" in sys.modules:
        raise RuntimeFault("serve() must run before prometheus_client is imported")
    logging.basicConfig(
        level=logging.INFO,
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    metrics_dir = tempfile.mkdtemp(prefix="sce-metrics-")
    os.environ[MULTIPROCESS_ENV] = metrics_dir
    master = os.getpid()
    try:
        _Gunicorn(config, options).run()
    finally:
        # A worker that stops (told to, or after a reload) leaves gunicorn by SystemExit up
        # through this frame too: only the master, last out, removes what all workers share.
        if os.getpid() == master:
            shutil.rmtree(metrics_dir, ignore_errors=True)
