"""Saving: what is saved comes back as it was drawn after a reload, sticky notes too, and the
file on disk holds it."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from sce.loader import load_path
from tests.designer.editor import (
    QUICK_MS,
    centre,
    drag_mouse,
    find_step,
    fit_view,
    open_flow,
    position,
    save,
    save_state,
    settled,
    shot,
    step,
    words_field,
)
from tests.designer.live import LiveServer

NOTE = "Ask the bank whether the SMS may quote the balance."


def picture(page: Page) -> dict[str, tuple[float, float]]:
    """Every node the canvas draws (steps, notes, the start) and where, after Fit View."""
    fit_view(page)
    ids = page.locator(".react-flow__node").evaluate_all("nodes => nodes.map(n => n.dataset.id)")
    return {node: position(page, node) for node in ids}


def test_a_saved_flow_looks_the_same_after_a_reload(page: Page, live_server: LiveServer) -> None:
    open_flow(page, "eve", "balance")
    drawn = picture(page)
    assert len([n for n in drawn if n in ("welcome", "main", "goodbye")]) == 3, drawn

    # The welcome moved down a little, a sticky note written.
    welcome = step(page, "welcome")
    head = welcome.locator(".step-head").bounding_box()
    assert head
    start = centre(head)
    drag_mouse(page, start, (start[0] + 30, start[1] + 60))
    expect(save_state(page)).to_have_text("Unsaved changes")
    moved = position(page, "welcome")
    assert moved != drawn["welcome"]
    page.get_by_role("button", name="Sticky note").click()
    note = page.get_by_role("textbox", name="Note text")
    expect(note).to_have_value("Note")
    note.fill(NOTE)

    save(page, "Moved the welcome, a note for the SMS")
    before = picture(page)
    assert before["welcome"] == moved
    assert any(n.startswith("note") for n in before), before
    shot(page, "saving-before-reload")

    page.reload()
    expect(save_state(page)).to_have_text("Saved · revision 2")
    settled(page)
    after = picture(page)
    assert after == before
    expect(page.get_by_role("textbox", name="Note text")).to_have_value(NOTE)
    # Nothing was kept as an unsaved draft: the page says nothing about one.
    expect(page.get_by_text("Your unsaved changes to this flow were kept")).to_have_count(0)
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_disabled()

    # The file holds every step where it is drawn, and the note.
    saved = load_path(live_server.flows_dir / "balance.flow")
    assert saved.ok, saved.diagnostics
    doc = saved.data
    assert doc is not None
    nodes = doc["nodes"]
    assert isinstance(nodes, dict)
    for node, at in before.items():
        if node in nodes:
            ui = nodes[node]["ui"]
            assert (ui["x"], ui["y"]) == at, (node, ui, at)
    notes = doc["ui"]["notes"]  # type: ignore[index]
    assert [n["text"] for n in notes] == [NOTE], json.dumps(doc["ui"])


def test_the_save_notice_leaves_the_top_bar_usable(page: Page, live_server: LiveServer) -> None:
    """After a save the page says "Saved as revision N."; Undo and Redo stay where the user can
    click them (the notice does not lie over them)."""
    open_flow(page, "eve", "balance")
    page.get_by_role("button", name="Tidy up").click()
    expect(save_state(page)).to_have_text("Unsaved changes")
    save(page, "Tidied up")
    expect(page.get_by_text("Saved as revision 2.")).to_be_visible()
    undo = page.get_by_role("button", name="Undo", exact=True)
    expect(undo).to_be_enabled()
    box = undo.bounding_box()
    assert box
    x, y = centre(box)
    on_top = page.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y); "
        "const notice = e?.closest('.notice'); "
        "return notice ? `the notice “${notice.innerText.replace('×', '').trim()}”` "
        ": e?.closest('button')?.textContent ?? e?.tagName ?? null }",
        [x, y],
    )
    assert on_top == "Undo", f"over the Undo button lies: {on_top!r}"
    undo.click()
    expect(save_state(page)).to_have_text("Unsaved changes")


def test_ctrl_s_saves_while_typing_in_a_field(page: Page, live_server: LiveServer) -> None:
    """Ctrl+S right after typing in the properties panel asks for the save message, as it does
    from the canvas (the browser's own Save page must not get the key)."""
    open_flow(page, "eve", "balance")
    find_step(page, "welcome")
    field = words_field(page, "Message")
    field.fill("Welcome to Example Bank, at your service.")
    field.press("Control+s")
    dialog = page.get_by_role("dialog", name="Save this flow")
    expect(dialog).to_be_visible(timeout=QUICK_MS)
    dialog.get_by_label("What did you change?").fill("Welcome reworded")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(save_state(page)).to_have_text("Saved · revision 2")
