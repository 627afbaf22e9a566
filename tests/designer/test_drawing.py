"""Drawing a flow from nothing: the balance line of scenario 1 made in an empty flow by dragging
steps from the palette, filling their forms and dragging their exits, then saved to its file."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from sce.loader import load_path
from tests.designer.editor import (
    QUICK_MS,
    connect,
    drop,
    new_flow,
    problems_tab,
    properties,
    save,
    shot,
    step,
)
from tests.designer.live import LiveServer, login

WELCOME = {"en-US": "Welcome to Example Bank.", "zh-CN": "欢迎致电示例银行。"}
MENU = {
    "en-US": "For your balance, press 1. For an agent, press 0.",
    "zh-CN": "查询余额请按1，人工服务请按0。",
}
NO_INPUT = {"en-US": "Sorry, I did not hear a choice.", "zh-CN": "对不起，没有听到您的选择。"}
NO_MATCH = {"en-US": "Sorry, that is not one of the choices.", "zh-CN": "对不起，没有这个选项。"}
READ = {"en-US": "Your balance is ready.", "zh-CN": "您的余额已查到。"}
GOODBYE = {"en-US": "Thank you for calling. Goodbye.", "zh-CN": "感谢您的来电，再见。"}
URL = "https://core.bank.example/accounts/{caller}/balance"


def words(page: Page, prompt: str, texts: dict[str, str]) -> None:
    """Type the words of the prompt field `prompt` (its legend) in each language."""
    group = properties(page).get_by_role("group", name=prompt, exact=True)
    for language, text in texts.items():
        group.get_by_label(f"Words in {language}", exact=True).fill(text)


def rename(page: Page, old: str, new: str, type_name: str) -> None:
    field = properties(page).get_by_label("Step id")
    expect(field).to_have_value(old)
    field.fill(new)
    field.press("Enter")
    expect(page.get_by_role("group", name=f"Step {new} ({type_name})")).to_be_visible()
    expect(page.get_by_role("group", name=f"Step {old} ({type_name})")).to_have_count(0)


def test_the_balance_line_is_drawn_from_an_empty_flow(page: Page, live_server: LiveServer) -> None:
    login(page, "eve")
    new_flow(page, "my_balance", title="My balance line", languages="en-US, zh-CN")

    # Six steps dropped on the canvas: the top row welcome → menu → lookup, the bottom row the
    # agent and the goodbye, the balance read out at the right, the start node in the middle.
    drop(page, "Add Play", 150, 80, "play", type_name="Play")
    expect(page.get_by_text("Drag a step from the left to begin")).to_be_hidden()
    words(page, "Message", WELCOME)
    rename(page, "play", "welcome", "Play")

    drop(page, "Add Menu", 440, 80, "menu", type_name="Menu")
    words(page, "Menu message", MENU)
    words(page, "No key pressed", NO_INPUT)
    words(page, "Wrong key", NO_MATCH)
    properties(page).get_by_label("Wait for a key").fill("5")
    choices = properties(page).get_by_role("group", name="Choices")
    choices.get_by_role("button", name="Add Menu choice").click()
    choices.get_by_role("button", name="Add Menu choice").click()
    choices.get_by_role("textbox", name="Key", exact=True).nth(0).fill("1")
    choices.get_by_role("textbox", name="Key", exact=True).nth(1).fill("0")
    rename(page, "menu", "main", "Menu")
    # The menu's exits are labelled by their keys.
    expect(step(page, "main").locator('[data-exit="choices.0"]')).to_have_text("1")
    expect(step(page, "main").locator('[data-exit="choices.1"]')).to_have_text("0")

    drop(page, "Add Fetch data", 730, 80, "http", type_name="Fetch data")
    properties(page).get_by_role("textbox", name="Address").fill(URL)
    properties(page).get_by_label("Time limit").fill("3")
    rename(page, "http", "lookup", "Fetch data")

    drop(page, "Add Play", 730, 260, "play", type_name="Play")
    words(page, "Message", READ)
    rename(page, "play", "read_balance", "Play")

    drop(page, "Add End the call", 440, 460, "hangup", type_name="End the call")
    words(page, "Goodbye message", GOODBYE)
    rename(page, "hangup", "goodbye", "End the call")

    drop(page, "Add Transfer to an agent", 150, 460, "transfer", type_name="Transfer to an agent")
    properties(page).get_by_label("Queue", exact=True).fill("general")
    rename(page, "transfer", "agent", "Transfer to an agent")

    # Key 1 leads to the lookup through the menu's form (the menu clicked again to edit it);
    # every other exit is dragged to its step, the whole flow in view.
    step(page, "main").locator(".step-head").click()
    expect(properties(page).get_by_label("Step id")).to_have_value("main")
    choices = properties(page).get_by_role("group", name="Choices")
    choices.get_by_role("combobox", name="Goes to").nth(0).select_option("lookup")
    expect(step(page, "main").locator('[data-exit="choices.0"] [title="→ lookup"]')).to_be_visible()
    page.get_by_role("button", name="Show the whole flow").click()
    connect(page, "welcome", "next", "main")
    connect(page, "main", "choices.1", "agent")
    connect(page, "main", "exhausted", "agent")
    connect(page, "lookup", "next", "read_balance")
    connect(page, "lookup", "error", "agent")
    connect(page, "read_balance", "next", "goodbye")
    connect(page, "agent", "failure", "goodbye")

    # The canvas shows the words of the flow's first language.
    expect(step(page, "welcome")).to_contain_text(WELCOME["en-US"])
    expect(step(page, "main")).to_contain_text(MENU["en-US"])
    problems_tab(page).click()
    expect(page.get_by_role("tabpanel", name=re.compile("^Problems"))).to_contain_text(
        "No problems found."
    )
    expect(page.locator(".step .badge.error")).to_have_count(0)
    shot(page, "drawing-balance-drawn")

    save(page, "The balance line, drawn")

    saved = live_server.flows_dir / "my_balance.flow"
    loaded = load_path(saved)
    assert loaded.ok, loaded.diagnostics
    doc = loaded.data
    assert doc is not None
    assert doc["title"] == "My balance line"
    assert doc["languages"] == ["en-US", "zh-CN"]
    assert doc["start"] == "welcome"
    nodes = doc["nodes"]
    assert isinstance(nodes, dict)
    assert set(nodes) == {"welcome", "main", "lookup", "read_balance", "goodbye", "agent"}
    assert {n: nodes[n]["type"] for n in nodes} == {
        "welcome": "play",
        "main": "menu",
        "lookup": "http",
        "read_balance": "play",
        "goodbye": "hangup",
        "agent": "transfer",
    }
    assert nodes["welcome"]["prompt"]["text"] == WELCOME
    assert nodes["welcome"]["next"] == "main"
    menu = nodes["main"]
    assert menu["prompt"]["text"] == MENU
    assert [(c["key"], c["next"]) for c in menu["choices"]] == [("1", "lookup"), ("0", "agent")]
    assert menu["exhausted"] == "agent"
    assert menu["timeout"] == 5
    assert nodes["lookup"]["url"] == URL
    assert (nodes["lookup"]["next"], nodes["lookup"]["error"]) == ("read_balance", "agent")
    assert nodes["read_balance"]["prompt"]["text"] == READ
    assert nodes["read_balance"]["next"] == "goodbye"
    assert nodes["goodbye"]["prompt"]["text"] == GOODBYE
    assert nodes["agent"]["queue"] == "general"
    assert nodes["agent"]["failure"] == "goodbye"
    # Every step keeps where it was drawn.
    assert all(isinstance(nodes[n].get("ui", {}).get("x"), int) for n in nodes)
    # The server's lint of the saved file agrees with the Problems tab.
    assert [d for d in loaded.diagnostics if d.severity.value == "error"] == []


def test_a_renamed_step_stays_the_one_being_edited(page: Page, live_server: LiveServer) -> None:
    """Renaming a step in its Step id field keeps its form in the properties panel, and a click
    on another step afterwards selects that one alone."""
    login(page, "eve")
    new_flow(page, "renaming")
    drop(page, "Add Play", 150, 80, "play", type_name="Play")
    drop(page, "Add End the call", 450, 80, "hangup", type_name="End the call")
    field = properties(page).get_by_label("Step id")
    field.fill("goodbye")
    field.press("Enter")
    expect(page.get_by_role("group", name="Step goodbye (End the call)")).to_be_visible()
    # Still the renamed step's form, not the flow's settings (at once: no need to wait long).
    expect(properties(page).get_by_role("heading", name="End the call")).to_be_visible(
        timeout=QUICK_MS
    )
    expect(properties(page).get_by_label("Step id")).to_have_value("goodbye")
    expect(step(page, "goodbye")).to_have_class(re.compile(r"\bselected\b"))

    step(page, "play").click(position={"x": 60, "y": 12})
    expect(properties(page).get_by_role("heading", name="Play")).to_be_visible()
    expect(properties(page).get_by_label("Step id")).to_have_value("play")
