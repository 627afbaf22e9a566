"""The flows API as the designer uses it: list, read with an ETag, save with If-Match (and be
told, never overwritten, when someone else saved first), create, delete, history and diffs."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from runtime.server.app import MAX_API_BYTES, create_app
from runtime.server.service import Service
from sce.flowdoc import MAX_DEPTH
from sce.loader import MAX_FREE_DEPTH, load_path

HELLO = {
    "flow": "hello",
    "title": "Hello",
    "languages": ["en-US"],
    "start": "bye",
    "nodes": {"bye": {"type": "hangup", "prompt": {"text": {"en-US": "Goodbye."}}}},
}


def read(client: FlaskClient, flow: str) -> tuple[dict, str]:
    """The flow's document and ETag, as an editor opening it gets them."""
    r = client.get(f"/api/flows/{flow}")
    assert r.status_code == 200, r.json
    assert r.headers["ETag"] == r.json["etag"]
    return r.json["document"], r.headers["ETag"]


def save(
    client: FlaskClient, writer: dict[str, str], flow: str, document: dict, etag: str, **more: str
):
    return client.put(
        f"/api/flows/{flow}",
        json={"document": document, **more},
        headers={**writer, "If-Match": etag},
    )


def assert_error(response, status: int, words: str) -> None:
    """An answer in the API's one error shape, whose message says `words`."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert body["ok"] is False and body["status"] == status
    assert words in " ".join(e["message"] for e in body["errors"]), body


def test_the_list_has_every_bundled_flow_with_its_etag(client: FlaskClient) -> None:
    r = client.get("/api/flows")
    assert r.status_code == 200
    flows = {f["id"]: f for f in r.json["flows"]}
    assert {"balance", "hotline", "after_hours", "agent_queue", "complaint", "retries"} <= set(
        flows
    )
    hotline = flows["hotline"]
    assert hotline["ok"] is True and hotline["title"] == "Customer hotline"
    assert hotline["formats"] == ["flow"]
    assert hotline["etag"] == read(client, "hotline")[1]


def test_chinese_prompts_come_back_as_written_not_escaped(client: FlaskClient) -> None:
    r = client.get("/api/flows/hotline")
    assert r.status_code == 200 and "欢迎致电示例热线。".encode() in r.data


def test_two_editors_save_with_one_etag_and_the_second_gets_the_current_revision(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    document, etag = read(client, "hotline")
    ana, bo = copy.deepcopy(document), copy.deepcopy(document)
    ana["title"] = "Hotline (Ana)"
    bo["title"] = "Hotline (Bo)"

    first = save(client, writer, "hotline", ana, etag, author="ana", message="retitle")
    assert first.status_code == 200
    assert first.json["revision"] == 2 and first.json["author"] == "ana"
    assert first.headers["ETag"] != etag

    second = save(client, writer, "hotline", bo, etag, author="bo")
    assert_error(second, 412, "was changed since it was read")
    current = second.json["current"]
    assert current["revision"] == 2 and current["author"] == "ana"
    assert current["document"]["title"] == "Hotline (Ana)"
    assert second.headers["ETag"] == first.headers["ETag"] == current["etag"]
    # Ana's save is what the folder holds; Bo's was never written.
    assert load_path(flows_dir / "hotline.flow").data["title"] == "Hotline (Ana)"

    # Bo reloads, applies the change again, and saves with the current ETag.
    again = save(client, writer, "hotline", bo, second.headers["ETag"], author="bo")
    assert again.status_code == 200 and again.json["revision"] == 3


def test_a_change_without_if_match_is_refused_with_428(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    before = (flows_dir / "balance.flow").read_bytes()
    document, _ = read(client, "balance")
    document["title"] = "Changed blind"
    r = client.put("/api/flows/balance", json={"document": document}, headers=writer)
    assert_error(r, 428, "If-Match")
    assert_error(client.delete("/api/flows/balance", headers=writer), 428, "If-Match")
    assert (flows_dir / "balance.flow").read_bytes() == before


def test_a_saved_draft_with_errors_is_kept_with_its_diagnostics(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    document, etag = read(client, "hotline")
    document["nodes"]["welcome"]["type"] = "dance"
    r = save(client, writer, "hotline", document, etag)
    assert r.status_code == 200
    problems = r.json["diagnostics"]
    assert problems and all(d["node"] == "welcome" for d in problems), problems
    assert "dance welcome" in (flows_dir / "hotline.flow").read_text(encoding="utf-8")
    assert read(client, "hotline")[0]["nodes"]["welcome"]["type"] == "dance"


def test_create_answers_201_with_location_and_etag_and_409_for_a_taken_id(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    r = client.post("/api/flows", json={"document": HELLO, "message": "first"}, headers=writer)
    assert r.status_code == 201
    assert r.headers["Location"].endswith("/api/flows/hello")
    assert r.json["revision"] == 1 and r.json["message"] == "first" and r.json["author"] == "api"
    document, etag = read(client, "hello")
    assert document == HELLO and etag == r.headers["ETag"]
    assert (flows_dir / "hello.json").is_file()

    assert_error(client.post("/api/flows", json={"document": HELLO}, headers=writer), 409, "exists")


def test_a_new_flow_may_be_kept_as_dsl(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    r = client.post("/api/flows", json={"document": HELLO, "format": "flow"}, headers=writer)
    assert r.status_code == 201 and r.json["formats"] == ["flow"]
    assert load_path(flows_dir / "hello.flow").data == HELLO
    assert not (flows_dir / "hello.json").exists()
    other = {**HELLO, "flow": "hello_2"}
    r = client.post("/api/flows", json={"document": other, "format": "yaml"}, headers=writer)
    assert_error(r, 400, "/format must be 'json' or 'flow'")


def test_a_document_for_another_flow_or_without_a_valid_id_is_a_400(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    _, etag = read(client, "balance")
    r = save(client, writer, "balance", HELLO, etag)
    assert_error(r, 400, "the document is flow 'hello', not 'balance'")
    r = client.post("/api/flows", json={"document": {**HELLO, "flow": "9 lives"}}, headers=writer)
    assert_error(r, 400, "is not valid")
    assert r.json["errors"][1]["pointer"] == "/flow"
    assert_error(client.post("/api/flows", json={"message": "x"}, headers=writer), 400, "/document")


def test_delete_removes_the_files_and_keeps_the_history(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    _, etag = read(client, "retries")
    r = client.delete(
        "/api/flows/retries", json={"message": "retired"}, headers={**writer, "If-Match": etag}
    )
    assert r.status_code == 200
    assert r.json["deleted"] is True and r.json["message"] == "retired"
    assert not (flows_dir / "retries.flow").exists()
    assert_error(client.get("/api/flows/retries"), 404, "there is no flow 'retries'")
    history = client.get("/api/flows/retries/revisions").json["revisions"]
    assert [h["deleted"] for h in history] == [True, False]


def test_the_history_lists_revisions_newest_first_and_keeps_each_document(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    original, etag = read(client, "balance")
    changed = copy.deepcopy(original)
    changed["title"] = "Balance, second take"
    save(client, writer, "balance", changed, etag, author="ana", message="retitle")

    r = client.get("/api/flows/balance/revisions")
    assert r.status_code == 200
    assert [(h["revision"], h["author"], h["message"]) for h in r.json["revisions"]] == [
        (2, "ana", "retitle"),
        (1, "disk", "changed on disk"),
    ]
    first = client.get("/api/flows/balance/revisions/1")
    assert first.status_code == 200 and first.json["document"] == original
    assert_error(client.get("/api/flows/balance/revisions/7"), 404, "has no revision 7")


def test_the_diff_names_the_nodes_and_fields_that_changed(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    document, etag = read(client, "hotline")
    changed = copy.deepcopy(document)
    changed["nodes"]["main"]["timeout"] = 8
    changed["nodes"]["welcome"]["ui"] = {"x": 40, "y": 80}
    del changed["nodes"]["opening_hours"]["next"]
    save(client, writer, "hotline", changed, etag)

    r = client.get("/api/flows/hotline/diff?from=1")  # `to` defaults to the newest
    assert r.status_code == 200
    assert r.json["from"] == 1 and r.json["to"] == 2
    diff = r.json["diff"]
    assert diff["changed"]["main"] == [
        {"pointer": "/timeout", "kind": "changed", "old": 5, "new": 8}
    ]
    assert diff["changed"]["opening_hours"][0]["kind"] == "removed"
    assert diff["layout"] == ["welcome"]
    assert diff["added"] == [] and diff["removed"] == []
    assert (
        client.get("/api/flows/hotline/diff?from=2&to=1").json["diff"]["changed"]["main"][0]["new"]
        == 5
    )


def test_sticky_notes_saved_by_the_designer_are_kept_in_the_dsl_and_diffed_as_layout(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    document, etag = read(client, "hotline")
    notes = {
        "notes": [{"id": "n1", "x": 10, "y": -20, "text": "欢迎 note", "color": "yellow"}],
        "viewport": {"x": 0, "y": 0, "zoom": 1},
    }
    r = save(client, writer, "hotline", {**document, "ui": notes}, etag)
    assert r.status_code == 200, r.json
    assert r.json["diagnostics"] == []
    assert read(client, "hotline")[0]["ui"] == notes
    assert "欢迎 note" in (flows_dir / "hotline.flow").read_text(encoding="utf-8")

    diff = client.get("/api/flows/hotline/diff?from=1").json["diff"]
    assert diff["canvas"] is True
    assert diff["flow"] == [] and diff["changed"] == {} and diff["layout"] == []


def test_bad_diff_queries_say_what_is_wrong(client: FlaskClient) -> None:
    assert_error(client.get("/api/flows/hotline/diff"), 400, "needs 'from'")
    assert_error(client.get("/api/flows/hotline/diff?from=one"), 400, "'from' must be")
    assert_error(client.get("/api/flows/hotline/diff?from=1&to=0"), 400, "'to' must be")
    assert_error(client.get("/api/flows/hotline/diff?from=1&to=9"), 404, "no revision 9")
    assert_error(client.get("/api/flows/nothing/diff?from=1"), 404, "no flow 'nothing'")


def test_reads_are_open_and_writes_need_the_token(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    document, etag = read(client, "balance")  # no token
    r = client.put(
        "/api/flows/balance",
        json={"document": document},
        headers={"If-Match": etag, "Authorization": "Bearer not-the-token"},
    )
    assert_error(r, 401, "API token")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.post("/api/flows", json={"document": HELLO}), 401, "API token")
    assert client.get("/api/flows/hello").status_code == 404  # nothing was created


def test_a_server_without_a_token_is_read_only(service: Service) -> None:
    app = create_app(replace(service.config, api_token=None), service=service)
    client = app.test_client()
    document, etag = read(client, "balance")
    headers = {"If-Match": etag, "Authorization": "Bearer anything"}
    r = client.put("/api/flows/balance", json={"document": document}, headers=headers)
    assert_error(r, 403, "read-only")
    assert_error(client.post("/api/flows", json={"document": HELLO}), 403, "read-only")
    assert client.get("/api/flows").status_code == 200


def test_bodies_that_are_not_one_json_object_are_400_and_too_large_is_413(
    app: Flask, client: FlaskClient, writer: dict[str, str]
) -> None:
    def post(data: bytes):
        headers = {**writer, "Content-Type": "application/json"}
        return client.post("/api/flows", data=data, headers=headers)

    assert_error(post(b'{"document": {"flow": "x",}}'), 400, "not JSON")
    assert_error(post(b'{\n  "document": }'), 400, "(line 2, column 15)")
    assert_error(post(b"[1, 2]"), 400, "must be a JSON object, not a list")
    assert_error(post(b'"hello"'), 400, "not a string")
    assert_error(post(b""), 400, "empty")
    assert_error(post(b"\xff\xfe{}"), 400, "not UTF-8")
    assert_error(post(b'{"document": {}, "document": {}}'), 400, "repeats the key at '/document'")
    huge = b'{"document": "' + b"x" * MAX_API_BYTES + b'"}'
    assert_error(post(huge), 413, "")
    assert_error(client.get("/api/no-such-endpoint"), 404, "")
    assert client.get("/api/flows/hello").status_code == 404


def nested(levels: int) -> list:
    """A list in a list in a list..., `levels` deep."""
    return json.loads("[" * levels + "]" * levels)


def test_if_match_may_list_etags_and_any_one_that_is_current_will_do(
    client: FlaskClient, writer: dict[str, str]
) -> None:
    document, etag = read(client, "balance")
    document["title"] = "Balance, from a tab that knew two versions"

    def put(if_match: str):
        return client.put(
            "/api/flows/balance",
            json={"document": document},
            headers={**writer, "If-Match": if_match},
        )

    assert_error(put('"0123", "4567"'), 412, "was changed since it was read")
    assert_error(put(f"W/{etag}"), 412, "was changed")  # a weak tag never matches a save
    assert_error(put("*"), 428, "not '*'")
    saved = put(f'"0123", {etag}')
    assert saved.status_code == 200 and saved.json["revision"] == 2


def test_a_document_nested_too_deep_is_a_400_and_nothing_is_written(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    deep = {**HELLO, "title": nested(600)}
    r = client.post("/api/flows", json={"document": deep}, headers=writer)
    assert_error(r, 400, f"nested more than {MAX_DEPTH} levels deep")
    assert r.json["errors"][1]["pointer"] == "/title" + "/0" * (MAX_DEPTH - 1)
    assert not (flows_dir / "hello.json").exists()
    assert not (flows_dir / ".history" / "hello").exists()

    before = (flows_dir / "hotline.flow").read_bytes()
    document, etag = read(client, "hotline")
    assert_error(save(client, writer, "hotline", {**document, "title": nested(600)}, etag), 400, "")
    assert (flows_dir / "hotline.flow").read_bytes() == before
    # The flow stays readable and savable; layout data as deep as a flow may hold is stored.
    document["nodes"]["main"]["ui"] = {"notes": nested(MAX_FREE_DEPTH - 1)}
    saved = save(client, writer, "hotline", document, read(client, "hotline")[1])
    assert saved.status_code == 200 and saved.json["diagnostics"] == []


def test_a_flow_nested_deep_on_disk_is_still_read_and_can_be_repaired(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    document = json.loads((flows_dir / "complaint.json").read_text(encoding="utf-8"))
    (flows_dir / "complaint.json").write_text(
        json.dumps({**document, "title": nested(600)}), encoding="utf-8"
    )
    r = client.get("/api/flows/complaint")
    assert r.status_code == 200
    assert r.json["diagnostics"][0]["pointer"] == "/title"
    assert client.get("/api/flows").status_code == 200
    assert save(client, writer, "complaint", document, r.headers["ETag"]).status_code == 200


def test_a_folder_the_server_cannot_write_is_still_read_and_writes_are_503(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path
) -> None:
    # Where the history should be, a file: the server can read the flows, not record anything.
    shutil.rmtree(flows_dir / ".history", ignore_errors=True)
    (flows_dir / ".history").write_text("not a folder", encoding="utf-8")
    before = (flows_dir / "balance.flow").read_bytes()

    assert "balance" in {f["id"] for f in client.get("/api/flows").json["flows"]}
    document, etag = read(client, "balance")
    assert client.get("/api/flows/balance/revisions").json["revisions"] == []

    document["title"] = "Not saved"
    r = save(client, writer, "balance", document, etag)
    assert_error(r, 503, f"the server cannot write the flows folder '{flows_dir}'")
    assert str(flows_dir / ".history") in r.json["errors"][0]["message"]
    assert_error(client.post("/api/flows", json={"document": HELLO}, headers=writer), 503, "")
    assert_error(client.delete("/api/flows/balance", headers={**writer, "If-Match": etag}), 503, "")
    assert (flows_dir / "balance.flow").read_bytes() == before


def git_diff(before: bytes, after: bytes, tmp: Path) -> list[str]:
    """The lines `git diff` shows removed and added between two versions of a file."""
    (tmp / "before").write_bytes(before)
    (tmp / "after").write_bytes(after)
    out = subprocess.run(
        ["git", "diff", "--no-index", "--unified=0", "--no-color", "before", "after"],
        cwd=tmp,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if line[:1] in "+-" and line[:3] not in "--- +++"]


def test_a_read_edit_save_round_trip_changes_one_line_of_each_form(
    client: FlaskClient, writer: dict[str, str], flows_dir: Path, tmp_path: Path
) -> None:
    for flow, path, node in [
        ("hotline", flows_dir / "hotline.flow", "opening_hours"),
        ("complaint", flows_dir / "complaint.json", "thanks"),
    ]:
        before = path.read_bytes()
        document, etag = read(client, flow)
        # The document comes back as written: nodes in the file's order, not sorted.
        assert list(document["nodes"]) == list(load_path(path).data["nodes"])
        document["nodes"][node]["prompt"]["text"]["en-US"] = "One moment, please."
        assert save(client, writer, flow, document, etag).status_code == 200
        [removed, added] = git_diff(before, path.read_bytes(), tmp_path)
        assert removed.startswith("-") and added.startswith("+") and "One moment, please." in added
