"""The Studio importer widget by widget (`sce.studio.convert`): each voice widget type becomes
the node of ours that does the same, under its Studio name and where it sat on the canvas, and a
malformed export is refused with the widget or JSON pointer named."""

from __future__ import annotations

from typing import Any

import pytest

from sce.errors import StudioImportError
from sce.studio import convert


def flow(*states: dict[str, Any], start: str = "first") -> dict[str, Any]:
    trigger = {
        "name": "Trigger",
        "type": "trigger",
        "transitions": [
            {"event": "incomingMessage"},
            {"event": "incomingCall", "next": start},
            {"event": "incomingRequest"},
        ],
        "properties": {"offset": {"x": 0, "y": 0}},
    }
    return {"description": "A test flow", "initial_state": "Trigger", "states": [trigger, *states]}


def widget(
    name: str, kind: str, transitions: dict[str, str | None], **props: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "transitions": [{"event": e, **({"next": n} if n else {})} for e, n in transitions.items()],
        "properties": {"offset": {"x": 100, "y": 200}, **props},
    }


def nodes(*states: dict[str, Any]) -> dict[str, Any]:
    return convert(flow(*states), flow_id="t").document["nodes"]  # type: ignore[return-value]


def test_say_play_is_a_play_with_the_studio_name_and_position() -> None:
    made = nodes(widget("first", "say-play", {"audioComplete": None}, say="Hello.", loop=2))
    assert made["first"]["type"] == "play"
    assert made["first"]["prompt"] == {"text": {"en-US": "Hello."}}
    assert made["first"]["loop"] == 2
    assert made["first"]["title"] == "first"
    assert made["first"]["ui"]["x"] == 100 and made["first"]["ui"]["y"] == 200
    assert made[made["first"]["next"]]["type"] == "hangup", "no next widget: the call ends"


def test_a_gather_is_a_collect_that_waits_once_with_its_timeout_as_exhausted() -> None:
    made = nodes(
        widget(
            "first",
            "gather-input-on-call",
            {"keypress": "thanks", "speech": None, "timeout": "bye"},
            say="Enter your code.",
            number_of_digits=4,
            finish_on_key="#",
            timeout=7,
        ),
        widget(
            "thanks", "say-play", {"audioComplete": None}, say="You typed {{widgets.first.Digits}}."
        ),
        widget("bye", "say-play", {"audioComplete": None}, say="Goodbye."),
    )
    collect = made["first"]
    assert collect["type"] == "collect" and collect["retries"] == 0
    assert (collect["max_digits"], collect["terminator"], collect["timeout"]) == (4, "#", 7)
    assert collect["variable"] == "first_digits"
    assert (collect["next"], collect["exhausted"]) == ("thanks", "bye")
    assert made["thanks"]["prompt"]["text"]["en-US"] == "You typed {first_digits}."


def test_a_split_on_keys_is_a_branch_in_the_order_of_its_conditions() -> None:
    def match(value: str, nxt: str, kind: str = "equal_to") -> dict[str, Any]:
        arg = "{{widgets.menu.Digits}}"
        return {
            "event": "match",
            "next": nxt,
            "conditions": [
                {"type": kind, "friendly_name": value, "arguments": [arg], "value": value}
            ],
        }

    split = widget("route", "split-based-on", {"noMatch": "menu"}, input="{{widgets.menu.Digits}}")
    split["transitions"] += [match("1", "one"), match("2, 3", "other", "matches_any_of")]
    made = nodes(
        widget("first", "say-play", {"audioComplete": "menu"}, say="Hi."),
        widget(
            "menu",
            "gather-input-on-call",
            {"keypress": "route", "speech": None, "timeout": None},
            say="Press 1.",
        ),
        split,
        widget("one", "say-play", {"audioComplete": None}, say="One."),
        widget("other", "say-play", {"audioComplete": None}, say="Other."),
    )
    branch = made["route"]
    assert branch["type"] == "branch" and branch["default"] == "menu"
    assert [c["next"] for c in branch["cases"]] == ["one", "other"]
    assert "menu_digits" in branch["cases"][0]["when"]
    assert "['2', '3']" in branch["cases"][1]["when"]


def test_widgets_without_an_equivalent_are_kept_as_marked_steps_and_reported() -> None:
    imported = convert(
        flow(
            widget(
                "first",
                "capture-payments",
                {"success": "paid", "providerError": "sorry", "hangup": None},
                payment_amount="10",
            ),
            widget("paid", "say-play", {"audioComplete": None}, say="Paid."),
            widget("sorry", "say-play", {"audioComplete": None}, say="Sorry."),
        ),
        flow_id="t",
    )
    marked = imported.document["nodes"]["first"]  # type: ignore[index]
    assert marked["type"] == "set" and marked["next"] == "sorry"
    assert "NOT IMPORTED" in marked["description"] and "capture-payments" in marked["description"]
    attention = imported.report.of("attention")
    assert [n.widget for n in attention] == ["first"]
    line = next(w for w in imported.report.widgets if w.studio_name == "first")
    assert line.how == "marked"


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"states": "nope"}, "/states"),
        ({"description": "x"}, "/states"),
        (
            flow(widget("first", "teleport", {"next": None})),
            "widget 'first': unknown widget type 'teleport'",
        ),
        (
            flow(widget("first", "say-play", {"audioComplete": "nowhere"}, say="x")),
            "a transition goes to 'nowhere', which is not a widget of this flow",
        ),
        (
            flow(
                widget("first", "say-play", {"audioComplete": None}, say="x"),
                widget("first", "say-play", {"audioComplete": None}, say="y"),
            ),
            "widget 'first': two widgets have this name",
        ),
        ([1, 2], "not a Studio flow definition"),
    ],
)
def test_a_malformed_export_is_refused_naming_what_is_wrong(
    definition: object, message: str
) -> None:
    with pytest.raises(StudioImportError) as refused:
        convert(definition, flow_id="t", source="export.json")
    assert message in refused.value.message
    assert refused.value.message.startswith("export.json: ")


def test_a_messaging_only_flow_is_refused_with_the_reason() -> None:
    definition = flow()
    definition["states"][0]["transitions"] = [{"event": "incomingMessage", "next": "reply"}]
    definition["states"].append(widget("reply", "send-message", {"sent": None}, body="Hi"))
    with pytest.raises(StudioImportError, match="messaging-only"):
        convert(definition, flow_id="t")


def test_the_rest_resource_that_wraps_a_definition_is_read_too() -> None:
    wrapped = {
        "sid": "FW" + "0" * 32,
        "friendly_name": "x",
        "definition": flow(widget("first", "say-play", {"audioComplete": None}, say="Hi.")),
    }
    assert convert(wrapped, flow_id="t").document["nodes"]["first"]["type"] == "play"  # type: ignore[index]
