"""What keeps one request from taking the server from the calls it serves: the drafts that the
open checks build are small (1 MiB) and built one at a time per process, and a body's size is
enforced even when it comes in chunks with no Content-Length."""

from __future__ import annotations

import io
import json

import pytest
from flask.testing import FlaskClient

import sce.api.checks as checks
from runtime.server.app import MAX_API_BYTES
from sce.api.requests import MAX_DRAFT_BYTES
from tests.api.test_checks import GHOST
from tests.api.test_flows import assert_error


def chunked(client: FlaskClient, path: str, body: bytes, headers: dict[str, str] | None = None):
    """A POST whose body comes in chunks, with no Content-Length, de-chunked as gunicorn and
    Werkzeug's server hand it on (they say so with `wsgi.input_terminated`)."""
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={
            **(headers or {}),
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_draft_over_1_mib_is_a_413_that_names_the_limit(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    big = {"text": "x" * MAX_DRAFT_BYTES, "format": "flow", "path": "big.flow"}
    for endpoint in ("/api/lint", "/api/compile", "/api/deploys", "/api/simulate/calls"):
        r = client.post(endpoint, json=big, headers=writer)
        assert_error(r, 413, "may be at most 1 MiB (1048576 bytes)")
    assert client.get("/api/deploys?flow=big").json["deploys"] == []
    # Just under the limit, the draft is checked.
    r = client.post("/api/lint", json={"text": "x" * (MAX_DRAFT_BYTES - 100), "format": "json"})
    assert r.status_code == 200
    assert [d["code"] for d in r.json["diagnostics"]] == ["SCE001"]


def test_while_a_draft_is_built_another_check_is_told_to_retry(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "BUILD_WAIT", 0.05)
    draft = {"text": GHOST, "format": "flow"}
    with checks.BUILDS:  # the build of another request, as far as this process can tell
        for endpoint in ("/api/lint", "/api/compile"):
            r = client.post(endpoint, json=draft)
            assert_error(r, 503, "checking another draft; send this one again")
            assert r.headers["Retry-After"] == "1"
    assert client.post("/api/lint", json=draft).status_code == 200


def test_a_check_that_fails_gives_the_build_back(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "BUILD_WAIT", 0.05)
    assert_error(client.post("/api/compile", json={"text": GHOST, "format": "flow"}), 422, "")
    assert_error(client.post("/api/lint", json={"text": "", "format": "yaml"}), 400, "/format")
    assert client.post("/api/lint", json={"text": GHOST, "format": "flow"}).status_code == 200


def test_a_chunked_body_over_the_limit_is_a_413_not_a_cut_document(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    huge = b'{"document": "' + b"x" * MAX_API_BYTES + b'"}'
    assert_error(chunked(client, "/api/flows", huge, writer), 413, "8 MiB (8388608 bytes)")
    draft = b'{"text": "' + b"x" * MAX_DRAFT_BYTES + b'", "format": "flow"}'
    assert_error(chunked(client, "/api/lint", draft), 413, "at most 1 MiB")
    # A chunked body within the limits is read whole.
    r = chunked(client, "/api/lint", json.dumps({"text": GHOST, "format": "flow"}).encode())
    assert r.status_code == 200, r.json
    assert [d["code"] for d in r.json["diagnostics"]] == ["SCE604", "SCE102"]
