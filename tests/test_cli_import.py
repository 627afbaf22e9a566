"""`sce import twilio-studio`: Studio exports become flow files with a report of every widget;
a malformed export gets a message that names what is wrong, exit 1 and no file; nothing that
exists is replaced without --force."""

from __future__ import annotations

import json
from pathlib import Path

from sce.loader import load_path
from tests.cli import run, write

DATA = Path(__file__).parent / "data" / "twilio-studio"
ORDER = DATA / "12-order-lookup-ivr.json"


def test_an_export_becomes_a_flow_file_and_a_report(tmp_path: Path) -> None:
    result = run("import", "twilio-studio", ORDER, "-o", tmp_path, "--format", "flow")
    written = tmp_path / "order-lookup-ivr.flow"
    assert written.is_file()
    loaded = load_path(written)
    assert loaded.flow is not None and loaded.diagnostics == []
    assert "order_no (gather-input-on-call) -> order_no (collect)" in result.output
    assert "http-allow needs: example.com" in result.output
    assert result.exit_code == 1, "two Functions to check: the report asks for attention"


def test_the_report_is_json_with_format_json(tmp_path: Path) -> None:
    result = run("import", "twilio-studio", ORDER, "-o", tmp_path, "--format", "json")
    report = json.loads(result.output)
    [flow] = report["flows"]
    assert flow["flow"] == "order-lookup-ivr" and flow["channel"] == "voice"
    assert flow["counts"] == {"mapped": 7, "approximated": 0, "marked": 0}
    assert {w["studio_name"] for w in flow["widgets"]} >= {"order_no", "forward_call"}
    assert [n["widget"] for n in flow["attention"]] == ["order_lookup", "allow_list"]
    assert (tmp_path / "order-lookup-ivr.json").is_file()


def test_a_malformed_export_writes_nothing_and_says_why(tmp_path: Path) -> None:
    bad = write(tmp_path / "in" / "bad.json", '{"states": [{"name": "a", "type": "warp"}]}')
    result = run("import", "twilio-studio", bad, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "bad.json: /states/0: widget 'a': unknown widget type 'warp'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_not_json_is_refused_with_its_line_and_column(tmp_path: Path) -> None:
    bad = write(tmp_path / "broken.json", '{\n  "states": [\n}')
    result = run("import", "twilio-studio", bad, "-o", tmp_path)
    assert result.exit_code == 1
    assert "broken.json:3:1: not JSON" in result.stderr


def test_a_messaging_only_flow_is_refused(tmp_path: Path) -> None:
    result = run("import", "twilio-studio", DATA / "37-vaccine-faq-bot.json", "-o", tmp_path)
    assert result.exit_code == 1 and "messaging-only" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_flow_is_replaced_only_with_force(tmp_path: Path) -> None:
    kept = write(tmp_path / "order-lookup-ivr.json", "mine")
    refused = run("import", "twilio-studio", ORDER, "-o", tmp_path)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert kept.read_text() == "mine"
    run("import", "twilio-studio", ORDER, "-o", tmp_path, "--force")
    assert load_path(kept).flow is not None
