"""What a role may do shows in the designer: a viewer looks, test-calls, and changes nothing."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from sce.loader import load_path
from tests.designer.editor import (
    canvas,
    find_step,
    properties,
    save_state,
    settled,
    shot,
    step,
    words_field,
)
from tests.designer.live import LiveServer, login


def test_a_viewer_can_look_and_test_call_but_not_change(
    page: Page, live_server: LiveServer
) -> None:
    before = (live_server.flows_dir / "balance.flow").read_bytes()
    # The flow list makes nothing new and deletes nothing for a viewer; it opens flows.
    login(page, "val")
    expect(page.get_by_text("Viewers cannot change flows.", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="New flow", exact=True)).to_be_disabled()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="balance", exact=True))
    expect(row.get_by_role("button", name="Delete")).to_be_disabled()
    expect(row.get_by_role("button", name="Duplicate")).to_be_disabled()
    row.get_by_role("button", name="Open").click()
    expect(canvas(page)).to_be_visible()
    settled(page)

    expect(
        page.get_by_text("Viewers cannot change flows: ask an admin for the editor role.")
    ).to_be_visible()
    for name in ("Save", "Deploy", "Undo", "Redo", "Tidy up"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="Deploy", exact=True)).to_have_attribute(
        "title", "Only deployers and admins can deploy."
    )
    palette = page.get_by_role("complementary", name="Steps to add")
    expect(palette.get_by_text("You can look but not change this flow.")).to_be_visible()
    for name in ("Add Play", "Add Menu", "Add Fetch data", "Sticky note"):
        expect(palette.get_by_role("button", name=name)).to_be_disabled()
    shot(page, "roles-viewer")

    # A step's form is there to read, not to write.
    find_step(page, "welcome")
    words = words_field(page, "Message")
    expect(words).to_have_value("Welcome to Example Bank.")
    expect(words).not_to_be_editable()
    expect(properties(page).get_by_label("Step id")).not_to_be_editable()
    expect(properties(page).get_by_label("Colour")).to_be_disabled()
    # Neither the Delete key nor Ctrl+S does anything.
    step(page, "welcome").click(position={"x": 60, "y": 12})
    page.keyboard.press("Delete")
    expect(step(page, "welcome")).to_be_visible()
    page.keyboard.press("Control+s")
    expect(page.get_by_role("dialog", name="Save this flow")).to_be_hidden()
    expect(save_state(page)).to_have_text("Saved · revision 1")

    # A test call works for a viewer.
    page.get_by_role("tab", name="Test call").click()
    panel = page.get_by_role("tabpanel", name="Test call")
    panel.get_by_role("checkbox", name="Speak prompts").uncheck()
    expect(panel.get_by_text("Your role may not make test calls.")).to_have_count(0)
    panel.get_by_role("button", name="Start test call").click()
    transcript = panel.get_by_role("list", name="Transcript")
    expect(transcript).to_contain_text("Welcome to Example Bank.")
    panel.get_by_role("button", name="Key 1", exact=True).click()
    expect(transcript).to_contain_text("Your balance is 12.5 USD.")
    expect(transcript).to_contain_text("Call ended")

    assert (live_server.flows_dir / "balance.flow").read_bytes() == before
    loaded = load_path(live_server.flows_dir / "balance.flow")
    assert loaded.ok
