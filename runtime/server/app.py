"""The server's Flask app: voice webhooks, the authoring/deploy/simulate API, health and metrics.

    app = create_app(load_config(), watch=False)   # what every gunicorn worker builds

Configuration comes from the runtime settings (`runtime.config`: file, environment, flags).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from flask import Flask, Response, g, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from runtime.config import RuntimeConfig, load_config
from runtime.server.health import health
from runtime.server.metrics import METRICS
from runtime.server.service import Service
from runtime.server.voice import voice
from sce.api import errors
from sce.api.auth import TOKEN_KEY

#: Largest webhook body: Twilio's forms are a few kilobytes.
MAX_WEBHOOK_BYTES = 64 * 1024
#: Largest API body (a flow document or its DSL text).
MAX_API_BYTES = 8 * 1024 * 1024


def create_app(
    config: RuntimeConfig | None = None,
    *,
    service: Service | None = None,
    watch: bool = True,
) -> Flask:
    """The app for one process. `service` is opened from `config` unless given (tests share
    one between apps to play two workers)."""
    config = config or (service.config if service else load_config())
    app = Flask("sce", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_API_BYTES
    app.config[TOKEN_KEY] = config.api_token
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if config.trust_forwarded:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]
    service = service or Service.open(config, watch=watch)
    app.extensions["sce"] = service
    # What the authoring API (sce.api, which knows nothing of the runtime) works on.
    app.extensions["sce.flows"] = service.flows
    app.extensions["sce.settings"] = service.registry.settings
    errors.install(app)
    _time_webhooks(app)
    app.register_blueprint(voice)
    app.register_blueprint(health)
    _register_api(app)
    prompts = Path(config.prompts).resolve()

    @app.get("/prompts/<path:name>")
    def prompt_audio(name: str) -> Response:
        if not prompts.is_dir():
            raise NotFound("no prompt audio is installed")
        return send_from_directory(prompts, name)

    return app


def _register_api(app: Flask) -> None:
    from runtime.server.api import register

    register(app)


def _time_webhooks(app: Flask) -> None:
    @app.before_request
    def _started() -> None:
        g.started = time.perf_counter()
        if request.path.startswith("/voice/"):
            request.max_content_length = MAX_WEBHOOK_BYTES

    served_by = f"{socket.gethostname()}:{os.getpid()}"

    @app.after_request
    def _answered(response: Response) -> Response:
        # Which process answered (as CDNs say it): where to look in the logs, and how a test
        # sees one call's webhooks answered by several workers.
        response.headers["X-Served-By"] = served_by
        if request.path.startswith("/voice/") and request.url_rule is not None:
            endpoint = (request.endpoint or "").rpartition(".")[2]
            METRICS.webhook_answered(endpoint, time.perf_counter() - g.started)
        return response
