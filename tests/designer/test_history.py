"""The History tab: what changed between two revisions, on the canvas and as a list of fields,
and a revision restored into the draft (laid out again when it did not place its steps)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.designer.editor import (
    QUICK_MS,
    open_flow,
    position,
    save,
    save_state,
    settled,
    shot,
    step,
    words_field,
)

OLD = "Welcome to Example Bank."
NEW = "Welcome to Example Bank, open day and night."


def history_panel(page: Page):
    page.get_by_role("tab", name="History").click()
    return page.get_by_role("tabpanel", name="History")


def test_two_revisions_compared_and_the_older_restored(page: Page) -> None:
    open_flow(page, "eve", "balance")
    step(page, "welcome").locator(".step-head").click()
    words_field(page, "Message").fill(NEW)
    save(page, "Welcome says when we are open")

    panel = history_panel(page)
    table = panel.get_by_role("table", name="Revisions of balance, newest first")
    expect(table.get_by_role("row")).to_have_count(3)  # the header, revisions 2 and 1
    expect(table.get_by_role("row").nth(1)).to_contain_text("Welcome says when we are open")
    panel.get_by_role("checkbox", name="Compare revision 1").check()
    panel.get_by_role("checkbox", name="Compare revision 2").check()
    panel.get_by_role("button", name="Show differences").click()

    # The changed step is marked on the canvas, its changed field listed with both texts.
    changes = panel.get_by_role("region", name="Changes from revision 1 to 2")
    expect(changes).to_contain_text("welcome changed")
    expect(changes).to_contain_text("/prompt/text/en-US")
    expect(changes).to_contain_text(f'"{OLD}" → "{NEW}"')
    expect(step(page, "welcome")).to_have_class(re.compile(r"\bmark-changed\b"))
    expect(page.locator(".step.mark-changed")).to_have_count(1)
    expect(
        page.get_by_role("status").filter(has_text="Differences from revision 1 to 2")
    ).to_be_visible()
    shot(page, "history-differences")
    panel.get_by_role("button", name="Back to the draft").click()
    expect(step(page, "welcome")).not_to_have_class(re.compile(r"\bmark-"))

    # Revision 1 is the file as it came, with no step placed: restored, it is laid out again,
    # no two steps on top of each other.
    panel.get_by_role("button", name="Restore revision 1").click()
    dialog = page.get_by_role("dialog", name="Restore revision 1?")
    dialog.get_by_role("button", name="Restore").click()
    expect(dialog).to_be_hidden()
    expect(save_state(page)).to_have_text("Unsaved changes", timeout=QUICK_MS)
    expect(step(page, "welcome")).to_contain_text(OLD)
    settled(page)
    ids = page.locator(".react-flow__node-step").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('data-id'))"
    )
    places = {position(page, i) for i in ids}
    assert len(places) == len(ids), f"steps on top of each other after the restore: {places}"
    shot(page, "history-restored")

    # One change, undone as one.
    page.locator("header.topbar h1").click()
    page.keyboard.press("Control+z")
    expect(step(page, "welcome")).to_contain_text(NEW)
    expect(save_state(page)).to_have_text(re.compile(r"^Saved · revision 2$"))
