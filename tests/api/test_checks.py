"""`POST /api/lint` and `POST /api/compile`: a draft posted by the designer is checked exactly as
`sce lint` and `sce compile` check the same file, and nobody needs the token for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from sce.compiler import CompiledFlow
from sce.loader import load_path
from tests.cli import run, write
from tests.test_cli import BROKEN_EXIT

# Key 1 goes to a node that does not exist (an error, line 4) and the menu is a trap (a warning).
GHOST = BROKEN_EXIT.replace("flow ghosts", "flow ghost")


@pytest.fixture
def drafts(flows_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A drafts folder beside the server's flows; the shell's current folder is the flows
    folder's parent, so `sce lint` there uses the settings the server uses."""
    monkeypatch.chdir(flows_dir.parent)
    return flows_dir.parent / "drafts"


def test_lint_of_a_posted_file_says_what_sce_lint_says(client: FlaskClient, drafts: Path) -> None:
    path = write(drafts / "ghost.flow", GHOST)
    relative = str(path.relative_to(Path.cwd()))
    cli = run("lint", "--format", "json", relative)
    assert cli.exit_code == 1

    r = client.post("/api/lint", json={"text": GHOST, "format": "flow", "path": relative})
    assert r.status_code == 200
    assert r.json["diagnostics"] == json.loads(cli.stdout)
    assert r.json["ok"] is False
    error = next(d for d in r.json["diagnostics"] if d["severity"] == "error")
    assert (error["code"], error["line"], error["node"]) == ("SCE102", 4, "main")
    assert error["pointer"] == "/nodes/main/choices/0/next"


def test_the_format_follows_the_path_when_not_given(client: FlaskClient) -> None:
    as_dsl = client.post("/api/lint", json={"text": GHOST, "path": "ghost.flow"}).json
    assert [d["code"] for d in as_dsl["diagnostics"]] == ["SCE604", "SCE102"]
    as_json = client.post("/api/lint", json={"text": GHOST}).json
    assert [d["code"] for d in as_json["diagnostics"]] == ["SCE001"]
    assert as_json["diagnostics"][0]["line"] == 1


def test_lint_of_a_posted_document_points_at_nodes(client: FlaskClient, flows_dir: Path) -> None:
    document = load_path(flows_dir / "hotline.flow").data
    assert client.post("/api/lint", json={"document": document}).json == {
        "ok": True,
        "diagnostics": [],
    }
    document["nodes"]["main"]["choices"][0]["next"] = "ghost"
    found = client.post("/api/lint", json={"document": document}).json
    assert found["ok"] is False
    assert [(d["code"], d["node"], d["pointer"]) for d in found["diagnostics"]] == [
        ("SCE102", "main", "/nodes/main/choices/0/next"),
        ("SCE103", "opening_hours", "/nodes/opening_hours"),  # key 1 led there, nothing else
    ]


def test_a_warning_alone_leaves_the_draft_ok(client: FlaskClient) -> None:
    trap = GHOST.replace("next -> ghost", "next -> bye")
    r = client.post("/api/lint", json={"text": trap, "format": "flow"})
    assert r.json["ok"] is True
    assert [d["severity"] for d in r.json["diagnostics"]] == ["warning"]


def test_compile_gives_the_version_and_state_machine_sce_compile_gives(
    client: FlaskClient, flows_dir: Path, drafts: Path
) -> None:
    cli = run("compile", flows_dir / "hotline.flow")
    assert cli.exit_code == 0, cli.stderr
    expected = CompiledFlow.from_json(cli.stdout)

    text = (flows_dir / "hotline.flow").read_text(encoding="utf-8")
    r = client.post("/api/compile", json={"text": text, "format": "flow"})
    assert r.status_code == 200
    assert r.json["flow"] == "hotline" and r.json["version"] == expected.version
    assert CompiledFlow.from_json(json.dumps(r.json["ir"])).version == expected.version
    assert "main" in r.json["ir"]["states"]
    # The JSON twin is the same flow: the same version.
    document = load_path(flows_dir / "hotline.flow").data
    assert client.post("/api/compile", json={"document": document}).json["version"] == (
        expected.version
    )


def test_a_draft_that_does_not_compile_is_a_422_with_its_diagnostics(
    client: FlaskClient,
) -> None:
    r = client.post("/api/compile", json={"text": GHOST, "format": "flow", "path": "g.flow"})
    assert r.status_code == 422
    body = r.json
    assert body["ok"] is False and body["status"] == 422
    assert body["errors"][0]["message"] == "the flow does not compile: 1 error"
    located = [(e["code"], e["path"], e["line"]) for e in body["errors"][1:]]
    assert located == [("SCE604", "g.flow", 2), ("SCE102", "g.flow", 4)]


def test_a_draft_with_a_schema_error_gets_its_other_findings_too(client: FlaskClient) -> None:
    """As `sce lint` says: a misspelt field in one node hides nothing else of the draft, and
    the draft still does not compile."""
    from tests.lint.test_partial import DSL

    linted = client.post("/api/lint", json={"text": DSL, "format": "flow", "path": "h.flow"})
    assert linted.json["ok"] is False
    assert [(d["code"], d["line"]) for d in linted.json["diagnostics"]] == [
        ("SCE102", 5),
        ("SCE002", 6),
        ("SCE203", 9),
    ]
    compiled = client.post("/api/compile", json={"text": DSL, "format": "flow"})
    assert compiled.status_code == 422
    assert [e.get("code") for e in compiled.json["errors"][1:]] == ["SCE102", "SCE002", "SCE203"]


def test_a_twilio_studio_export_is_told_for_what_it_is(client: FlaskClient) -> None:
    from tests.test_loader import STUDIO_EXPORT

    [d] = client.post("/api/lint", json={"document": STUDIO_EXPORT}).json["diagnostics"]
    assert d["code"] == "SCE002"
    assert d["message"].startswith("this is a Twilio Studio flow definition")


def test_checks_change_nothing_and_need_no_token(client: FlaskClient, flows_dir: Path) -> None:
    before = sorted(p.name for p in flows_dir.iterdir())
    assert client.post("/api/lint", json={"text": GHOST}).status_code == 200
    assert client.post("/api/compile", json={"text": GHOST}).status_code == 422
    # A token that is wrong is said to be, rather than taken for nobody.
    bad_token = {"Authorization": "Bearer wrong"}
    assert client.post("/api/lint", json={"text": GHOST}, headers=bad_token).status_code == 401
    assert sorted(p.name for p in flows_dir.iterdir()) == before


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "send the flow as 'document' (an object) or as 'text'"),
        ({"document": {}, "text": "x"}, "one of them"),
        ({"document": [1]}, "/document must be a flow object, not a list"),
        ({"text": 5}, "/text must be a string, not a number"),
        ({"text": "", "format": "yaml"}, "/format must be one of json, flow, not 'yaml'"),
        ({"text": "", "path": ["a"]}, "/path must be a string"),
    ],
)
def test_a_body_that_carries_no_draft_is_a_400(client: FlaskClient, body: dict, words: str) -> None:
    for endpoint in ("/api/lint", "/api/compile"):
        r = client.post(endpoint, json=body)
        assert r.status_code == 400
        assert r.json["status"] == 400 and words in r.json["errors"][0]["message"]
