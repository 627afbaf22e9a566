"""The server serves the browser designer's build (`sce.api.designer`): its page for every route
of the designer, its content-hashed assets cached for good, nothing outside the build, and a
page that says how to build it when it is not built. A tiny fake build stands in for Vite's."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import sce
from sce.api.auth import SECURITY_HEADERS
from sce.api.designer import DEFAULT_FOLDER, FOLDER_KEY
from tests.runtime.server.test_simulate import write_wav

PAGE = '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/app-abc123.js"></script></body></html>\n'
SCRIPT = "console.log('designer');\n"


@pytest.fixture
def build(app: Flask, tmp_path: Path) -> Path:
    """A build of the designer as Vite writes one, served by the test's app."""
    folder = tmp_path / "designer"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    (folder / "assets" / "app-abc123.js").write_text(SCRIPT, encoding="utf-8")
    (folder / "favicon.svg").write_text("<svg/>", encoding="utf-8")
    app.extensions[FOLDER_KEY] = folder
    return folder


def assert_secure(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name


@pytest.mark.parametrize("path", ["/", "/flows/balance", "/flows/balance/revisions", "/apiary"])
def test_every_route_of_the_designer_gets_its_page_checked_again_each_time(
    client: FlaskClient, build: Path, path: str
) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.get_data(as_text=True) == PAGE
    assert r.mimetype == "text/html"
    assert r.headers["Cache-Control"] == "no-cache"
    assert_secure(r)
    again = client.get(path, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_assets_are_cached_for_good_as_their_names_change_with_their_content(
    client: FlaskClient, build: Path
) -> None:
    r = client.get("/assets/app-abc123.js")
    assert r.status_code == 200 and r.get_data(as_text=True) == SCRIPT
    assert r.mimetype in ("text/javascript", "application/javascript")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert_secure(r)
    assert client.get("/assets/app-000000.js").status_code == 404
    icon = client.get("/favicon.svg")
    assert icon.status_code == 200 and icon.headers["Cache-Control"] == "no-cache"
    assert client.get("/robots.txt").status_code == 404


def test_the_servers_own_paths_are_not_the_designers(
    client: FlaskClient, build: Path, server_config
) -> None:
    assert client.get("/api/flows").json["flows"]
    assert client.get("/healthz").json["ok"] is True
    for method, path in [("GET", "/api/nope"), ("POST", "/api/nope"), ("GET", "/api")]:
        r = client.open(path, method=method)
        assert r.status_code == 404 and r.json["ok"] is False, (method, path)
    assert client.get("/assets").status_code == 404
    audio = write_wav(Path(server_config.prompts) / "en-US" / "welcome.wav")
    assert client.get("/prompts/en-US/welcome.wav").data == audio
    assert client.get("/prompts/en-US/missing").status_code == 404
    assert client.post("/flows/balance").status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../../secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/assets/.hidden.js",
        "/.hidden.js",
        "/assets//etc/passwd",
    ],
)
def test_nothing_outside_the_build_is_served(client: FlaskClient, build: Path, path: str) -> None:
    (build.parent / "secret.txt").write_text("secret", encoding="utf-8")
    (build / "assets" / ".hidden.js").write_text("hidden", encoding="utf-8")
    (build / ".hidden.js").write_text("hidden", encoding="utf-8")
    r = client.get(path)
    assert b"secret" not in r.data and b"hidden" not in r.data and b"root:" not in r.data
    assert r.status_code in (200, 308, 404), (path, r.status_code)
    if r.status_code == 200:  # a route of the designer: its page
        assert r.get_data(as_text=True) == PAGE
    if r.status_code == 308:  # doubled slashes made one: still inside the build, or nothing
        assert client.get(r.headers["Location"]).status_code == 404


def test_before_the_designer_is_built_its_page_says_how_to_build_it(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    app.extensions[FOLDER_KEY] = tmp_path / "not-built"
    for path in ("/", "/flows/balance"):
        r = client.get(path)
        assert r.status_code == 503 and r.mimetype == "text/html"
        text = r.get_data(as_text=True)
        assert "designer is not built" in text and "make run" in text
        assert "Traceback" not in text and str(tmp_path) not in text
        assert_secure(r)
    assert client.get("/assets/app-abc123.js").status_code == 404
    assert client.get("/api/flows").status_code == 200  # the API answers meanwhile


def test_the_build_is_looked_for_where_vite_writes_it() -> None:
    assert Path(sce.__file__).resolve().parent / "designer" == DEFAULT_FOLDER
