"""The reviewer's diff of two flow documents, on the shipped balance line and changes to it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from sce.flowdiff import FieldChange, diff
from sce.loader import load_path

FLOWS = Path(__file__).resolve().parent.parent / "flows"


@pytest.fixture
def balance() -> dict:
    return load_path(FLOWS / "balance.flow").data


def test_the_same_document_has_no_changes(balance: dict) -> None:
    result = diff(balance, copy.deepcopy(balance))
    assert result.empty
    assert result.to_data() == {
        "added": [],
        "removed": [],
        "changed": {},
        "flow": [],
        "layout": [],
        "canvas": False,
    }


def test_a_menu_choice_sent_elsewhere_and_a_reworded_chinese_prompt(balance: dict) -> None:
    new = copy.deepcopy(balance)
    new["nodes"]["main"]["choices"][0]["next"] = "agent"
    new["nodes"]["welcome"]["prompt"]["text"]["zh-CN"] = "您好，欢迎致电示例银行。"
    result = diff(balance, new)
    assert result.changed == {
        "main": [FieldChange("/choices/0/next", "lookup", "agent")],
        "welcome": [
            FieldChange("/prompt/text/zh-CN", "欢迎致电示例银行。", "您好，欢迎致电示例银行。")
        ],
    }
    assert result.added == result.removed == result.flow == result.layout == []
    assert not result.empty


def test_nodes_added_and_removed_are_named_not_detailed(balance: dict) -> None:
    new = copy.deepcopy(balance)
    del new["nodes"]["text_balance"]
    new["nodes"]["read_balance"]["next"] = "goodbye"
    new["nodes"]["survey"] = {"type": "hangup", "prompt": {"text": {"zh-CN": "再见"}}}
    result = diff(balance, new)
    assert result.added == ["survey"]
    assert result.removed == ["text_balance"]
    assert result.changed == {"read_balance": [FieldChange("/next", "text_balance", "goodbye")]}


def test_a_moved_box_is_layout_not_a_change_of_behaviour(balance: dict) -> None:
    old = copy.deepcopy(balance)
    old["nodes"]["main"]["ui"] = {"x": 100, "y": 40}
    new = copy.deepcopy(old)
    new["nodes"]["main"]["ui"] = {"x": 260, "y": 40}
    new["nodes"]["goodbye"]["ui"] = {"colour": "green"}
    result = diff(old, new)
    assert result.layout == ["main", "goodbye"]
    assert result.changed == {}
    assert not result.empty


def test_moved_sticky_notes_and_view_are_layout_not_a_change_of_the_flow(balance: dict) -> None:
    old = copy.deepcopy(balance)
    old["ui"] = {"notes": [{"id": "n1", "x": 10, "y": -20, "text": "欢迎 note"}]}
    new = copy.deepcopy(old)
    new["ui"]["notes"][0]["x"] = 40
    new["ui"]["viewport"] = {"x": 0, "y": 0, "zoom": 1}
    result = diff(old, new)
    assert result.canvas is True
    assert result.flow == [] and result.changed == {} and result.layout == []
    assert not result.empty
    assert result.to_data()["canvas"] is True


def test_no_designer_data_and_empty_designer_data_are_the_same_canvas(balance: dict) -> None:
    new = {**copy.deepcopy(balance), "ui": {}}
    assert diff(balance, new).empty
    assert diff(new, {**new, "ui": {"notes": []}}).canvas


def test_flow_fields_are_reported_from_the_document_root(balance: dict) -> None:
    new = copy.deepcopy(balance)
    new["title"] = "余额查询"
    new["languages"].append("fr-FR")
    new["start"] = "welcome"
    new["variables"]["currency"]["default"] = "CNY"
    new["variables"]["vip"] = {"type": "boolean", "default": False}
    del new["on_error"]
    result = diff(balance, new)
    assert result.flow == [
        FieldChange("/title", "Balance line", "余额查询"),
        FieldChange("/languages/2", None, "fr-FR", "added"),
        FieldChange("/start", "pick_language", "welcome"),
        FieldChange("/on_error", "sorry", None, "removed"),
        FieldChange("/variables/currency/default", "USD", "CNY"),
        FieldChange("/variables/vip", None, {"type": "boolean", "default": False}, "added"),
    ]
    assert result.changed == {}


def test_lists_are_compared_by_index(balance: dict) -> None:
    new = copy.deepcopy(balance)
    choices = new["nodes"]["main"]["choices"]
    choices.reverse()
    del choices[1]
    result = diff(balance, new)
    assert [(c.pointer, c.kind) for c in result.changed["main"]] == [
        ("/choices/0/key", "changed"),
        ("/choices/0/next", "changed"),
        ("/choices/0/label", "changed"),
        ("/choices/0/speech/0", "changed"),
        ("/choices/0/speech/1", "added"),
        ("/choices/1", "removed"),
    ]


def test_pointers_escape_slash_and_tilde_and_null_is_a_value(balance: dict) -> None:
    old = copy.deepcopy(balance)
    old["nodes"]["lookup"]["headers"]["X-Path/Version~1"] = None
    new = copy.deepcopy(old)
    new["nodes"]["lookup"]["headers"]["X-Path/Version~1"] = "2"
    new["nodes"]["lookup"]["headers"]["X-Trace"] = None
    changes = diff(old, new).changed["lookup"]
    assert changes == [
        FieldChange("/headers/X-Path~1Version~01", None, "2"),
        FieldChange("/headers/X-Trace", None, None, "added"),
    ]
    assert [c.to_data() for c in changes] == [
        {"pointer": "/headers/X-Path~1Version~01", "kind": "changed", "old": None, "new": "2"},
        {"pointer": "/headers/X-Trace", "kind": "added", "new": None},
    ]


def test_true_is_not_one(balance: dict) -> None:
    old = copy.deepcopy(balance)
    old["nodes"]["main"]["barge_in"] = 1
    new = copy.deepcopy(old)
    new["nodes"]["main"]["barge_in"] = True
    assert diff(old, new).changed == {"main": [FieldChange("/barge_in", 1, True)]}


def test_broken_drafts_are_compared_too(balance: dict) -> None:
    draft = copy.deepcopy(balance)
    draft["nodes"]["main"] = "menu?"
    result = diff(balance, draft)
    assert result.changed["main"] == [FieldChange("", balance["nodes"]["main"], "menu?")]
    no_nodes = {"flow": "balance", "nodes": []}
    result = diff(balance, no_nodes)
    assert FieldChange("/nodes", balance["nodes"], [], "changed") in result.flow
    assert result.added == result.removed == []


def test_from_no_document_everything_is_added(balance: dict) -> None:
    result = diff(None, balance)
    assert result.added == list(balance["nodes"])
    assert FieldChange("/flow", None, "balance", "added") in result.flow
    data = json.loads(json.dumps(diff(balance, None).to_data(), ensure_ascii=False))
    assert data["removed"] == list(balance["nodes"])
    assert {"pointer": "/title", "kind": "removed", "old": "Balance line"} in data["flow"]
