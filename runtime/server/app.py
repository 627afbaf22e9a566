"""The server's app: the voice webhooks (a WSGI app of their own, in front), and the Flask app
of the authoring/deploy/simulate API, health and metrics.

    app = create_app(load_config(), watch=False)   # what every gunicorn worker builds

Configuration comes from the runtime settings (`runtime.config`: file, environment, flags).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response, send_from_directory
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from runtime.config import RuntimeConfig, load_config
from runtime.errors import SessionConflict, StoreUnavailable, UnknownCall, UnknownFlow
from runtime.server.api import register as register_api
from runtime.server.health import UNSIGNED, health
from runtime.server.live import RegistryLive
from runtime.server.service import Service
from runtime.server.voice import PREFIX, VoiceWebhooks, webhook_path
from sce.api import auth, errors
from sce.api.designer import designer
from sce.api.live import LIVE_KEY
from sce.api.prompts import LIBRARY_KEY
from sce.prompts.catalog import PLAIN_SUFFIXES

log = logging.getLogger("sce.server")

#: Largest API body (a flow document to save, a test-call event); a body that carries a draft
#: to build is held to the smaller `sce.api.requests.MAX_DRAFT_BYTES`.
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
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # Chinese prompts as they are written
        app.json.sort_keys = False  # a flow read is the document as written, in its order
    service = service or Service.open(config, watch=watch)
    if not config.verify_signatures:
        log.warning(UNSIGNED)
    app.extensions["sce"] = service
    # What the authoring API (sce.api, which knows nothing of the runtime) works on.
    app.extensions["sce.flows"] = service.flows
    app.extensions["sce.settings"] = service.registry.settings
    app.extensions[LIVE_KEY] = RegistryLive(service.registry)
    # The service's users, sessions and audit log; the shared token as this app's settings say.
    app.extensions[auth.ACCESS_KEY] = replace(service.access, api_token=config.api_token)
    auth.install(app)
    # Middleware goes in by replacing `wsgi_app` (Flask's documented way, which mypy calls
    # assigning to a method).
    app.wsgi_app = _Served(app.wsgi_app, VoiceWebhooks(service))  # type: ignore[method-assign]
    if config.trust_forwarded:  # first, so that the webhooks see the proxy's URL too
        # x_for: the client's address, not the proxy's, for login limits and the audit log.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]
    errors.install(
        app,
        extra={
            UnknownFlow: 404,
            UnknownCall: 404,
            StoreUnavailable: 503,
            SessionConflict: (409, "another event moved this call on meanwhile; send yours again"),
        },
    )
    app.extensions[LIBRARY_KEY] = service.recordings.library
    app.register_blueprint(health)
    register_api(app)
    prompts = Path(config.prompts).resolve()

    @app.get("/prompts/<path:name>")
    def prompt_audio(name: str) -> Response:
        """Prompt audio, as the phone platform and the studio fetch it. A take's file (`@N`
        in its name) never changes, so it may be kept for good; any other file may be
        replaced, so it is checked again (its ETag) after a minute."""
        if not prompts.is_dir():
            raise NotFound("no prompt audio is installed")
        if not name.lower().endswith(PLAIN_SUFFIXES) or any(
            part.startswith(".") for part in name.split("/")
        ):
            raise NotFound("only prompt audio is served here")
        answer = send_from_directory(prompts, name, etag=True, conditional=True)
        if "@" in name.rsplit("/", 1)[-1]:
            answer.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            answer.headers["Cache-Control"] = "public, max-age=60"
        return answer

    app.register_blueprint(designer)  # last: every other route wins
    return app


class _Served:
    """The outermost WSGI layer: sends the voice webhooks to their own app (`VoiceWebhooks`:
    the hot path, which Flask would slow), everything else to Flask, and says which process
    answered (`X-Served-By`, as CDNs say it: where to look in the logs, and how a test sees one
    call's webhooks answered by several workers)."""

    def __init__(self, app: WSGIApplication, voice: WSGIApplication) -> None:
        self.app = app
        self.voice = voice
        self.header = ("X-Served-By", f"{socket.gethostname()}:{os.getpid()}")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None, /
        ) -> Callable[[bytes], object]:
            headers.append(self.header)
            return start_response(status, headers, exc_info)

        app = self.voice if webhook_path(environ).startswith(PREFIX) else self.app
        return app(environ, start)
