"""`POST /api/convert`: the designer's text view reads a flow's DSL as the document the canvas
draws, and writes a document as the DSL a save would write, without losing anything on the
way; a text that does not parse says where, and readers may convert as they may lint."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskClient

from sce.access.roles import Role
from sce.api.requests import MAX_DRAFT_BYTES
from sce.loader import load_path
from tests.api.people import People
from tests.api.test_checks import GHOST
from tests.api.test_flows import assert_error

WELCOME_ZH = "欢迎致电示例银行。"


def to_document(client: FlaskClient, text: str, **fields: object) -> dict:
    r = client.post("/api/convert", json={"text": text, "format": "flow", **fields})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["ok"] is True
    return r.json


def to_text(client: FlaskClient, document: dict, to: str = "flow") -> str:
    r = client.post("/api/convert", json={"document": document, "to": to})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["ok"] is True and r.json["format"] == to
    return r.json["text"]


def test_dsl_to_document_and_back_keeps_the_document(client: FlaskClient, flows_dir: Path) -> None:
    text = (flows_dir / "balance.flow").read_text(encoding="utf-8")
    expected = load_path(flows_dir / "balance.flow").data
    read = to_document(client, text, path="balance.flow")
    assert read["document"] == expected and read["diagnostics"] == []

    written = to_text(client, read["document"])
    assert written.startswith("flow balance {")
    assert to_document(client, written)["document"] == expected
    # Written again, the text is the same: applying an unchanged text changes nothing.
    assert to_text(client, to_document(client, written)["document"]) == written


def test_a_document_as_json_text_is_what_a_save_writes(
    client: FlaskClient, flows_dir: Path
) -> None:
    document = load_path(flows_dir / "balance.flow").data
    written = to_text(client, document, "json")
    assert json.loads(written) == document
    back = client.post("/api/convert", json={"text": written, "format": "json"}).json
    assert back["document"] == document


def test_chinese_prompts_come_through_intact(client: FlaskClient, flows_dir: Path) -> None:
    text = (flows_dir / "balance.flow").read_text(encoding="utf-8")
    document = to_document(client, text)["document"]
    assert document["nodes"]["welcome"]["prompt"]["text"]["zh-CN"] == WELCOME_ZH
    written = to_text(client, document)
    assert f'zh-CN = "{WELCOME_ZH}"' in written
    document["nodes"]["welcome"]["title"] = "欢迎 “词” ✓"
    assert to_document(client, to_text(client, document))["document"] == document


def test_a_syntax_error_is_a_422_that_names_line_and_column(client: FlaskClient) -> None:
    text = "flow x {\n  start -> main\n}\n\nhangup main {\n  title = \n}\n"
    r = client.post("/api/convert", json={"text": text, "format": "flow", "path": "x.flow"})
    assert_error(r, 422, "the text is not a flow document: 1 error")
    [error] = r.json["errors"][1:]
    assert (error["code"], error["path"], error["line"], error["column"]) == (
        "SCE001",
        "x.flow",
        7,
        1,
    )
    assert error["message"]


def test_schema_findings_come_with_the_document(client: FlaskClient) -> None:
    """A misspelt field is the draft's problem, not the text's: the document comes, and what is
    wrong with it is among the diagnostics, at its line."""
    from tests.lint.test_partial import DSL

    read = to_document(client, DSL, path="h.flow")
    assert read["document"]["nodes"]["main"]["timout"] == 5
    assert [(d["code"], d["line"]) for d in read["diagnostics"]] == [("SCE002", 6)]


def test_a_draft_the_dsl_cannot_hold_is_a_422(client: FlaskClient) -> None:
    r = client.post("/api/convert", json={"document": {"nodes": 5}, "to": "flow"})
    assert_error(r, 422, "the DSL cannot hold this document as it is")
    assert to_text(client, {"nodes": 5}, "json") == '{\n  "nodes": 5\n}\n'


def test_a_body_that_is_neither_shape_is_a_400(client: FlaskClient) -> None:
    for body, words in [
        ({}, "send the flow as 'document' (an object) or as 'text'"),
        ({"document": {"flow": "x"}}, "/to is missing"),
        ({"document": {"flow": "x"}, "to": "yaml"}, "/to must be one of json, flow"),
        ({"to": "flow"}, "/document is missing"),
        ({"document": {"flow": "x"}, "to": "flow", "text": "x"}, "one of them"),
        ({"text": "flow x", "format": "yaml"}, "/format must be one of json, flow"),
    ]:
        assert_error(client.post("/api/convert", json=body), 400, words)


def test_an_oversize_body_is_a_413(client: FlaskClient) -> None:
    big = {"text": "x" * MAX_DRAFT_BYTES, "format": "flow"}
    assert_error(client.post("/api/convert", json=big), 413, "may be at most 1 MiB")
    huge = {"document": {"flow": "x", "title": "x" * MAX_DRAFT_BYTES}, "to": "flow"}
    assert_error(client.post("/api/convert", json=huge), 413, "may be at most 1 MiB")


def test_a_viewer_may_convert_and_a_voice_user_may_not(client: FlaskClient, people: People) -> None:
    viewer = people.token(Role.VIEWER)
    r = client.post("/api/convert", json={"text": GHOST, "format": "flow"}, headers=viewer)
    assert r.status_code == 200 and r.json["document"]["flow"] == "ghost"
    r = client.post("/api/convert", json={"text": GHOST}, headers=people.token(Role.VOICE))
    assert_error(r, 403, "vox (voice) may not")


def test_without_credentials_it_is_refused_as_reads_are(
    client: FlaskClient, people: People
) -> None:
    """Once someone is a user, nobody converts without logging in (as every read)."""
    assert_error(client.post("/api/convert", json={"text": GHOST}), 401, "log in first")


def test_before_the_first_user_anyone_may_convert(client: FlaskClient) -> None:
    r = client.post("/api/convert", json={"text": GHOST, "format": "flow"})
    assert r.status_code == 200
    assert client.get("/api/flows").status_code == 200
