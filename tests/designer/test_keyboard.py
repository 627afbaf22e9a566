"""Wiring a flow without a mouse: an exit's label is a button that opens the connect menu, where
the keyboard finds a step of the flow or a new step's type; the focus comes back to the exit."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.designer.editor import QUICK_MS, exit_of, open_flow, properties, shot


def test_an_exit_is_connected_with_the_keyboard_alone(page: Page) -> None:
    open_flow(page, "eve", "balance")
    button = exit_of(page, "welcome", "next").get_by_role("button")
    expect(button).to_have_accessible_name(re.compile(r"of welcome \(→ main\): connect$"))

    # Enter on the exit: the menu, its filter focused; a word, the arrow down, Enter.
    button.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Connect an exit of welcome")
    expect(menu).to_be_visible(timeout=QUICK_MS)
    expect(menu.get_by_role("searchbox", name="Find a step or a type")).to_be_focused()
    page.keyboard.type("goodbye")
    shot(page, "keyboard-connect-menu")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name=re.compile(r"goodbye"))).to_be_focused()
    page.keyboard.press("Enter")

    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("title", "→ goodbye")
    # An edge is drawn from the exit to its new step.
    edge = page.locator('.react-flow__edge[data-id="welcome|next"]')
    expect(edge).to_have_count(1)

    # Undo from the keyboard too: the exit leads to the menu again.
    page.keyboard.press("Control+z")
    expect(button).to_have_attribute("title", "→ main")

    # A new step through the same menu: its type found by name, added already connected.
    page.keyboard.press("Enter")
    expect(menu).to_be_visible(timeout=QUICK_MS)
    page.keyboard.type("Play")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Play", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_be_hidden()
    expect(properties(page).get_by_label("Step id")).to_have_value("play")
    expect(exit_of(page, "welcome", "next").get_by_role("button")).to_have_attribute(
        "title", "→ play"
    )

    # Escape leaves the menu and changes nothing; Disconnect opens the exit.
    button.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible(timeout=QUICK_MS)
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    menu.get_by_role("menuitem", name="Disconnect from play").focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("title", "not connected")
    expect(exit_of(page, "welcome", "next")).to_have_class(re.compile(r"\bopen\b"))
