"""`POST /api/import/twilio-studio`: the designer's import converts as `sce import` does and
stores nothing; the flow is then created with `POST /api/flows`."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.api.test_flows import assert_error

DATA = Path(__file__).parents[1] / "data" / "twilio-studio"


def test_an_export_comes_back_as_a_document_with_its_report(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    text = (DATA / "08-ivr-builder-template.json").read_text(encoding="utf-8")
    r = client.post(
        "/api/import/twilio-studio",
        json={"text": text, "name": "08-ivr-builder-template.json"},
        headers=writer,
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.json
    assert body["flow"] == "ivr-builder-template" and body["report"]["channel"] == "mixed"
    assert body["document"]["flow"] == "ivr-builder-template"
    assert [d for d in body["diagnostics"] if d["severity"] == "error"] == []
    assert client.get("/api/flows/ivr-builder-template", headers=writer).status_code == 404
    created = client.post(
        "/api/flows", json={"document": body["document"], "format": "json"}, headers=writer
    )
    assert created.status_code == 201, created.get_data(as_text=True)


def test_a_malformed_export_is_a_422_naming_the_widget(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    text = '{"states": [{"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "gone"}]}]}'
    r = client.post(
        "/api/import/twilio-studio", json={"text": text, "name": "x.json"}, headers=writer
    )
    assert_error(r, 422, "widget 'Trigger': a transition goes to 'gone'")


def test_reading_is_not_enough_to_import(client: FlaskClient) -> None:
    r = client.post("/api/import/twilio-studio", json={"text": "{}"})
    assert r.status_code in (401, 403)
