"""The flow list counts each stored flow's errors and warnings as `sce lint` finds them
(`sce.api.problems`), linting a flow again only when its file changed."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from sce.api.problems import PROBLEMS_KEY, ProblemCache
from sce.loader import load_path, load_text
from tests.api.test_checks import GHOST
from tests.api.test_flows import read, save
from tests.api.test_live import listed


def test_a_flow_with_problems_counts_what_the_lint_of_it_finds(
    client: FlaskClient, flows_dir: Path
) -> None:
    (flows_dir / "ghost.flow").write_text(GHOST, encoding="utf-8")
    lines = listed(client)
    linted = client.post("/api/lint", json={"text": GHOST, "format": "flow"}).json
    severities = [d["severity"] for d in linted["diagnostics"]]
    assert lines["ghost"]["problems"] == {
        "errors": severities.count("error"),
        "warnings": severities.count("warning"),
    }
    assert lines["ghost"]["problems"] == {"errors": 1, "warnings": 1}
    assert lines["hotline"]["problems"] == {"errors": 0, "warnings": 0}


def test_a_file_that_does_not_load_has_errors_and_no_languages(
    client: FlaskClient, flows_dir: Path
) -> None:
    (flows_dir / "torn.json").write_text('{"flow": "torn", "nodes": ', encoding="utf-8")
    line = listed(client)["torn"]
    assert line["ok"] is False and line["languages"] == []
    assert line["problems"]["errors"] >= 1
    assert line["live"] is None


def test_a_list_lints_only_the_flows_whose_files_changed(
    app: Flask, client: FlaskClient, writer: dict[str, str]
) -> None:
    first = listed(client)
    cache: ProblemCache = app.extensions[PROBLEMS_KEY]
    assert cache.memo.misses == len(first)
    listed(client)
    assert cache.memo.misses == len(first)  # nothing changed: nothing linted

    document, etag = read(client, "hotline")
    document["nodes"]["main"]["choices"][0]["next"] = "ghost"
    save(client, writer, "hotline", document, etag)
    again = listed(client)
    assert cache.memo.misses == len(first) + 1
    assert again["hotline"]["problems"]["errors"] == 1


def test_the_counts_kept_are_bounded(flows_dir: Path) -> None:
    cache = ProblemCache(None, limit=2)
    hotline = load_path(flows_dir / "hotline.flow")
    ghost = load_text(GHOST, "ghost.flow", "flow")
    assert cache.problems("hotline", '"a"', hotline).errors == 0
    assert cache.problems("ghost", '"b"', ghost).errors == 1
    assert cache.problems("hotline", '"a"', hotline).errors == 0  # kept: the newest used now
    cache.problems("hotline", '"c"', hotline)  # a third pushes out the least recently used
    assert len(cache.memo) == 2 and cache.memo.misses == 3
    cache.problems("hotline", '"a"', hotline)
    assert cache.memo.misses == 3
    cache.problems("ghost", '"b"', ghost)
    assert cache.memo.misses == 4  # "b" was the one pushed out
