"""Undo and redo on the canvas: by the keyboard (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y) and the top bar,
one step per change; Ctrl+Z in a text field is that field's, not the canvas's."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.designer.editor import (
    centre,
    drag_mouse,
    new_flow,
    pane,
    position,
    properties,
    step,
)
from tests.designer.live import LiveServer, login

EMPTY = "Drag a step from the left to begin"


def node(page: Page, node_id: str) -> Locator:
    """React Flow's box of a node, whose style places it."""
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def at(point: tuple[float, float]) -> re.Pattern[str]:
    """A node's style that places it at `point` of the flow."""
    x, y = (f"{v:g}" for v in point)
    return re.compile(rf"translate\({x}px, {y}px\)")


def test_three_changes_undone_and_redone(page: Page, live_server: LiveServer) -> None:
    login(page, "eve")
    new_flow(page, "undoing")
    undo = page.get_by_role("button", name="Undo", exact=True)
    redo = page.get_by_role("button", name="Redo", exact=True)
    expect(undo).to_be_disabled()

    # 1. a step added (a click on the palette puts it in the middle), 2. moved, 3. titled.
    page.get_by_role("button", name="Add Play", exact=True).click()
    play = step(page, "play")
    expect(play).to_be_visible()
    play.hover(position={"x": 60, "y": 12})  # the canvas glides to it: wait until it is still
    added = position(page, "play")
    head = play.locator(".step-head").bounding_box()
    assert head
    start = centre(head)
    drag_mouse(page, start, (start[0] + 120, start[1] + 80))
    expect(node(page, "play")).not_to_have_attribute("style", at(added))
    moved = position(page, "play")
    properties(page).get_by_label("Title on the canvas").fill("Greeting")
    expect(play.locator(".name")).to_have_text("Greeting")

    # Back: the title, the move, the step itself.
    pane(page).click(position={"x": 20, "y": 20})
    page.keyboard.press("Control+z")
    expect(play.locator(".name")).to_have_text("play")
    assert position(page, "play") == moved
    page.keyboard.press("Control+z")
    expect(node(page, "play")).to_have_attribute("style", at(added))
    page.keyboard.press("Control+z")
    expect(play).to_have_count(0)
    expect(page.get_by_text(EMPTY)).to_be_visible()
    expect(undo).to_be_disabled()
    expect(redo).to_be_enabled()
    # Back where the server's copy is: nothing is left to save.
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_disabled()

    # And forth again: Ctrl+Shift+Z twice, Ctrl+Y once.
    page.keyboard.press("Control+Shift+z")
    expect(play).to_be_visible()
    expect(play.locator(".name")).to_have_text("play")
    page.keyboard.press("Control+Shift+z")
    expect(node(page, "play")).to_have_attribute("style", at(moved))
    page.keyboard.press("Control+y")
    expect(play.locator(".name")).to_have_text("Greeting")
    expect(redo).to_be_disabled()

    # The top bar's buttons do the same.
    undo.click()
    expect(play.locator(".name")).to_have_text("play")
    redo.click()
    expect(play.locator(".name")).to_have_text("Greeting")


def test_ctrl_z_in_a_text_field_leaves_the_canvas_alone(
    page: Page, live_server: LiveServer
) -> None:
    login(page, "eve")
    new_flow(page, "typing")
    page.get_by_role("button", name="Add Play", exact=True).click()
    play = step(page, "play")
    expect(play).to_be_visible()
    title = properties(page).get_by_label("Title on the canvas")
    title.fill("Greeting")
    expect(play.locator(".name")).to_have_text("Greeting")

    words = properties(page).get_by_role("group", name="Message").get_by_label("Words in en-US")
    words.click()
    page.keyboard.type("Hello")
    expect(play).to_contain_text("Hello")
    words.press("Control+z")
    # The field's own undo at most takes back what was typed in it; the canvas keeps its step
    # and the step its title.
    expect(play).to_be_visible()
    expect(play.locator(".name")).to_have_text("Greeting")
    expect(title).to_have_value("Greeting")
    expect(words).to_be_focused()
    expect(page.get_by_role("button", name="Undo", exact=True)).to_be_enabled()
    expect(page.get_by_text(EMPTY)).to_be_hidden()
    assert "Hello".startswith(words.input_value())
