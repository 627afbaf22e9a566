"""`sce deploy FLOW --server URL`: flows deployed to a running server over its API (a real HTTP
server on a free port), refusals printed like `sce lint` prints them, and every failure to get
there a clear message with exit 2."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from runtime.server.app import create_app
from runtime.server.service import Service
from tests.cli import run, write
from tests.runtime.server.fixtures import broken_hotline, renewed_hotline
from tests.runtime.server.phone import API_TOKEN


@contextmanager
def serve(wsgi: Flask) -> Iterator[str]:
    """An app on a real HTTP server on a free port of 127.0.0.1, in a thread; its URL."""
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    # Polled often, so that shutting it down at the end of a test takes no half second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def url(app: Flask) -> Iterator[str]:
    with serve(app) as base:
        yield base


@pytest.fixture
def drafts(flows_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Drafts of the hotline beside the server's flows, the shell in their parent folder, the
    token in the environment as operators set it."""
    monkeypatch.chdir(flows_dir.parent)
    monkeypatch.setenv("SCE_API_TOKEN", API_TOKEN)
    write(Path("drafts", "hotline.flow"), renewed_hotline(flows_dir))
    write(Path("drafts", "broken", "hotline.flow"), broken_hotline(flows_dir))
    return Path("drafts")


def live(url: str, flow: str = "hotline") -> str:
    return requests.get(f"{url}/healthz", timeout=10).json()["flows"][flow]


def compiled_version(path: Path) -> str:
    result = run("compile", path)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["version"]


def test_a_good_flow_goes_live_on_the_server(url: str, drafts: Path) -> None:
    old = live(url)
    flow = drafts / "hotline.flow"
    result = run("deploy", flow, "--server", url, "--who", "ana", "-o", "deploy.json")
    assert result.exit_code == 0, result.stderr
    version = compiled_version(flow)
    assert result.stdout.splitlines() == [f"deployed hotline {version[:12]} -> {url}"]
    assert live(url) == version != old
    (record,) = json.loads(Path("deploy.json").read_text(encoding="utf-8"))
    assert record["file"] == str(flow) and record["who"] == "ana"
    assert record["version"] == version and record["previous"] == old
    assert record["source"] == f"posted:{flow}"  # the client's file, not one of the server's

    again = run("deploy", flow, "--server", url + "/")
    assert again.exit_code == 0
    assert again.stdout.splitlines() == [f"unchanged hotline {version[:12]} -> {url}"]


def test_a_broken_flow_prints_its_errors_like_lint_and_the_live_version_stays(
    url: str, drafts: Path
) -> None:
    old = live(url)
    broken = drafts / "broken" / "hotline.flow"
    result = run("deploy", broken, drafts / "hotline.flow", "--server", url, "-o", "deploy.json")
    assert result.exit_code == 1
    lint = run("lint", broken)
    ghost = next(line for line in lint.stdout.splitlines() if " SCE102 " in line)
    assert ghost in result.stderr.splitlines()
    assert re.fullmatch(r"drafts/broken/hotline\.flow:\d+:\d+: SCE102 .*ghost.*", ghost)
    lines = result.stdout.splitlines()
    assert lines[0] == f"refused {broken}: 1 error, the live version stays"
    assert lines[1].startswith("deployed hotline ")  # the good one after it still went
    # The results file says it as `sce deploy --to` writes it: errors as `sce lint` prints them.
    refused, deployed = json.loads(Path("deploy.json").read_text(encoding="utf-8"))
    assert (refused["result"], refused["errors"]) == ("refused", [ghost])
    assert (deployed["result"], deployed["errors"]) == ("deployed", [])
    assert refused["file"] == str(broken)

    only_broken = run("deploy", broken, "--server", url)
    assert only_broken.exit_code == 1
    assert live(url) == compiled_version(drafts / "hotline.flow") != old


def test_a_wrong_or_missing_token_is_a_clear_error(
    url: str, drafts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = live(url)
    wrong = run("deploy", drafts / "hotline.flow", "--server", url, "--token", "nope")
    assert wrong.exit_code == 2
    assert "the API token is missing or wrong (set SCE_API_TOKEN or --token)" in wrong.stderr
    monkeypatch.delenv("SCE_API_TOKEN")
    missing = run("deploy", drafts / "hotline.flow", "--server", url)
    assert missing.exit_code == 2 and "API token is missing or wrong" in missing.stderr
    assert live(url) == old


def test_a_users_token_deploys_under_the_users_name(
    url: str, drafts: Path, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With people on the server, a deploy is recorded under the token's user, and a token of a
    role that may not deploy is refused with the role it lacks."""
    users = service.access.users
    users.add("lee", "deployer", "a long passphrase")
    users.add("vic", "viewer", "a long passphrase")
    _, lee = users.create_token("lee")
    _, vic = users.create_token("vic")
    monkeypatch.setenv("SCE_API_TOKEN", lee)
    result = run("deploy", drafts / "hotline.flow", "--server", url)
    assert result.exit_code == 0, result.stderr
    assert service.registry.log("hotline", 1)[0]["who"] == "lee"
    assert run("deploy", drafts / "hotline.flow", "--server", url, "--who", "ana").exit_code == 2
    monkeypatch.setenv("SCE_API_TOKEN", vic)
    refused = run("deploy", drafts / "hotline.flow", "--server", url)
    assert refused.exit_code == 2
    assert "vic (viewer) may not deploy or roll back flows" in refused.stderr


def test_a_read_only_server_says_so(service: Service, drafts: Path) -> None:
    with serve(create_app(replace(service.config, api_token=None), service=service)) as base:
        result = run("deploy", drafts / "hotline.flow", "--server", base)
        assert result.exit_code == 2
        assert "refused drafts/hotline.flow (403)" in result.stderr
        assert "read-only" in result.stderr


def test_a_server_that_does_not_answer_is_a_clear_error(drafts: Path) -> None:
    with socket.socket() as taken:  # a port that is bound but listens to nobody
        taken.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{taken.getsockname()[1]}"
        result = run("deploy", drafts / "hotline.flow", "--server", closed)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"sce: error: cannot reach {closed}/api/deploys: ")


def test_something_else_than_an_sce_server_is_a_clear_error(drafts: Path) -> None:
    other = Flask("other")
    other.add_url_rule("/api/deploys", "deploys", lambda: "<html>hello</html>", methods=["POST"])
    with serve(other) as base:
        result = run("deploy", drafts / "hotline.flow", "--server", base)
        assert result.exit_code == 2
        assert "answered 200 without a JSON object: is it an sce server?" in result.stderr


def test_a_file_that_is_not_utf8_is_refused_without_sending_it(url: str, drafts: Path) -> None:
    old = live(url)
    latin = write(drafts / "latin.flow", 'flow x { title = "caf\xe9" }'.encode("latin-1"))
    result = run("deploy", latin, "--server", url)
    assert result.exit_code == 1
    assert re.search(r"drafts/latin\.flow:1:\d+: SCE001 the file is not UTF-8", result.stderr)
    assert result.stdout.splitlines() == [f"refused {latin}: 1 error, not sent"]
    assert live(url) == old


def test_usage_errors(drafts: Path) -> None:
    flow = drafts / "hotline.flow"
    both = run("deploy", flow, "--to", "flows", "--server", "http://127.0.0.1:1")
    assert both.exit_code == 2 and "--to and --server cannot be used together" in both.stderr
    neither = run("deploy", flow)
    assert neither.exit_code == 2 and "Missing option '--to' or '--server'" in neither.stderr
    ftp = run("deploy", flow, "--server", "ftp://example.com")
    assert ftp.exit_code == 2 and "is not an http:// or https:// URL" in ftp.stderr
    missing = run("deploy", drafts / "missing.flow", "--server", "http://127.0.0.1:1")
    assert missing.exit_code == 2 and "missing.flow: no such file" in missing.stderr
