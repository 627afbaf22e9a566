"""The browser designer's files, as Vite builds them from web/ into `sce/designer/`: the page
(`index.html`) and its content-hashed `assets/`.

    GET /                       the page (Cache-Control: no-cache: a new build shows at once)
    GET /flows/balance          the page too: the designer's own routes, drawn in the browser
    GET /assets/app-3f9c1a.js   a built file (cached for good: a new build has new names)
    GET /favicon.svg            a file at the top of the build (what Vite copies from public/)

Every path that is not the server's own (the API, the webhooks, the prompt audio, health and
metrics) and has no file extension is a route of the designer. Files are only ever read from
inside the build's folder. Before the designer is built (a fresh checkout), the page is a short
503 that says how to build it.

The folder is `DEFAULT_FOLDER` unless the app names another under `app.extensions[FOLDER_KEY]`
(tests do). Register this blueprint last, so that every other route wins.
"""

from __future__ import annotations

from html import escape
from pathlib import Path, PurePosixPath

from flask import Blueprint, Response, current_app, send_from_directory
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter

#: Where the build is (Vite's `outDir`), and where an app may name another.
DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "designer"
FOLDER_KEY = "sce.designer"
PAGE = "index.html"
ASSETS = "assets"
#: First parts of the paths the server answers itself: never a route of the designer.
RESERVED = frozenset({"api", "voice", "prompts", "healthz", "metrics", ASSETS})
#: Vite names assets by their content: a name never holds other bytes, so keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
#: The page and the files beside it are checked again every time (an ETag makes that cheap).
NO_CACHE = "no-cache"
NOT_BUILT = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Designer not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The designer is not built yet</h1>
<p>This server runs, but the browser designer's files are not in {folder}.
Run <code>make run</code>: it builds the designer from <code>web/</code> and starts the server.</p>
<p>The API answers meanwhile: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body>
</html>
"""


class PageConverter(PathConverter):
    """A path of the designer: none of the server's own (`RESERVED`). Left out by the pattern,
    not refused after matching it, so that a POST to an unknown API path stays a 404 (not a
    405 for this rule's GET)."""

    regex = "(?!(?:" + "|".join(sorted(RESERVED)) + r")(?:/|$))[^/].*?"


designer = Blueprint("designer", __name__)


@designer.record_once
def _converter(state: BlueprintSetupState) -> None:
    """The app learns `page` paths before the routes below are added (in this order)."""
    state.app.url_map.converters["page"] = PageConverter


def folder() -> Path:
    """The folder of the designer's build this app serves."""
    return Path(current_app.extensions.get(FOLDER_KEY) or DEFAULT_FOLDER)


@designer.get("/")
def home() -> Response:
    return _page()


@designer.get("/<page:route>")
def route(route: str) -> Response:
    """The page for a route of the designer; a file at the top of the build for a name with an
    extension (none: 404)."""
    name = PurePosixPath(route)
    if not name.suffix:
        return _page()
    if len(name.parts) != 1 or route.startswith("."):
        raise NotFound("no such file of the designer")
    return _file(folder(), route, NO_CACHE)


@designer.get("/assets/<path:name>")
def asset(name: str) -> Response:
    return _file(folder() / ASSETS, name, IMMUTABLE)


def _page() -> Response:
    """The designer's page, or the 503 page that says how to build it."""
    built = folder()
    if not (built / PAGE).is_file():
        shown = escape(_shown(built))
        response = Response(NOT_BUILT.format(folder=f"<code>{shown}</code>"), 503)
        response.mimetype = "text/html"
        response.headers["Cache-Control"] = "no-store"
        return response
    return _file(built, PAGE, NO_CACHE)


def _file(where: Path, name: str, cache: str) -> Response:
    """A file of the build (send_from_directory refuses any name that would leave `where`)."""
    if any(part.startswith(".") for part in PurePosixPath(name).parts):
        raise NotFound("no such file of the designer")
    response = send_from_directory(where.resolve(), name)
    response.headers["Cache-Control"] = cache
    return response


def _shown(built: Path) -> str:
    """The folder as the 503 page names it: relative to the package's parent, as people who
    checked the project out know it (never the machine's absolute path)."""
    try:
        return str(built.resolve().relative_to(DEFAULT_FOLDER.parent.parent))
    except ValueError:
        return built.name
