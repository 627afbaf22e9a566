"""The floors of bench/webhook.py: a bare Flask app that answers every webhook with one constant
TwiML document, under gunicorn with the very settings `sce serve` runs with and behind the same
front (`runtime.server.front`: requests read whole on the worker's loop, served in its threads;
the issue's reference), and with `--wsgi` a bare WSGI function answering the same (no server
under this gunicorn can answer faster).

The document is the one `sce serve` answers a menu step of the bench flow with (a <Say>, a
<Gather> with its action URL and the prompt, the timeout <Redirect>), so all send as many bytes.

    python bench/floor.py --port 8001 --workers 1 --threads 4 [--wsgi]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response
from gunicorn.app.base import BaseApplication

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.server.front import Front  # noqa: E402

#: gunicorn settings copied from `sce serve` (those that change how a request is served).
SAME = ("worker_class", "workers", "threads", "keepalive", "timeout", "loglevel", "accesslog")

ANSWER = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say language="en-US">We are open from nine to five.</Say>'
    '<Gather action="{root}voice/floor/gather?asked=2" finishOnKey="" input="dtmf" '
    'method="POST" numDigits="1" timeout="5">'
    '<Say language="en-US">For our opening hours press 1, to hang up press 0.</Say></Gather>'
    '<Redirect method="POST">{root}voice/floor/timeout?asked=2</Redirect></Response>'
)


def sce_settings(workers: int, threads: int) -> dict[str, object]:
    """The gunicorn settings `sce serve --workers W --threads T` runs with, read from the class
    that runs it (so that a change there changes the floor too)."""
    from runtime.server.gunicorn import Options, settings

    chosen = settings(Options(workers=workers, threads=threads))
    return {name: chosen.get(name) for name in SAME}


def create_app(root: str) -> Flask:
    """The floor app for a server at `root` (http://host:port/): POST anything, get the
    constant answer; GET /healthz for the benchmark to know it is up."""
    app = Flask("floor")
    body = ANSWER.format(root=root)

    @app.post("/<path:_path>")
    def answer(_path: str) -> Response:
        return Response(body, 200, mimetype="application/xml")

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", 200, mimetype="text/plain")

    return app


def create_wsgi(root: str) -> WSGIApplication:
    """The same answers as `create_app`'s, from a WSGI function."""
    body = ANSWER.format(root=root).encode()
    ok = b"ok\n"

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
            return [ok]
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]

    return app


class Floor(BaseApplication):  # type: ignore[misc]
    def __init__(self, port: int, settings: dict[str, object], *, wsgi: bool = False) -> None:
        self.port = port
        self.settings = settings
        self.bare = wsgi
        super().__init__()

    def load_config(self) -> None:
        for key, value in {**self.settings, "bind": f"127.0.0.1:{self.port}"}.items():
            self.cfg.set(key, value)
        self.cfg.set("control_socket_disable", True)

    def load(self) -> Front:
        make = create_wsgi if self.bare else create_app
        app = make(f"http://127.0.0.1:{self.port}/")
        return Front(app, threads=int(str(self.settings["threads"])), limit=lambda _path: 65536)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--wsgi", action="store_true", help="a bare WSGI function, not Flask")
    args = parser.parse_args()
    Floor(args.port, sce_settings(args.workers, args.threads), wsgi=args.wsgi).run()


if __name__ == "__main__":
    main()
