"""Two people edit the same flow: the second save meets the first, nothing is overwritten
silently, and the second person chooses: compare, take theirs, or save over theirs (each choice
in a round of its own)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from sce.loader import load_path
from tests.designer.conftest import TIMEOUT_MS
from tests.designer.editor import (
    find_step,
    open_flow,
    save_state,
    settled,
    shot,
    step,
    words_field,
)
from tests.designer.live import LOCALE, VIEWPORT, BrowserErrors, LiveServer

EVES = "Welcome to Example Bank, says Eve."
ANAS = "Welcome to Example Bank, says Ana."
EVES_AGAIN = "Welcome to Example Bank, says Eve again."


def welcome_words(live_server: LiveServer) -> str:
    loaded = load_path(live_server.flows_dir / "balance.flow")
    assert loaded.data is not None, loaded.diagnostics
    return loaded.data["nodes"]["welcome"]["prompt"]["text"]["en-US"]  # type: ignore[index]


def test_the_second_save_is_a_conflict_the_second_person_resolves(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    other = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale=LOCALE)
    other.set_default_timeout(TIMEOUT_MS)
    anas_errors = BrowserErrors()
    try:
        ana = other.new_page()
        anas_errors.watch(ana)
        # The refused save: Chromium logs the 412 answer as an error.
        anas_errors.allow(r"status of 412")

        open_flow(page, "eve", "balance")
        open_flow(ana, "ana", "balance")
        find_step(page, "welcome")
        words_field(page, "Message").fill(EVES)
        find_step(ana, "welcome")
        words_field(ana, "Message").fill(ANAS)

        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_label("What did you change?").fill("Eve's welcome")
        page.get_by_role("dialog", name="Save this flow").get_by_role("button", name="Save").click()
        expect(save_state(page)).to_have_text("Saved · revision 2")
        assert welcome_words(live_server) == EVES

        ana.get_by_role("button", name="Save", exact=True).click()
        ana.get_by_label("What did you change?").fill("Ana's welcome")
        ana.get_by_role("dialog", name="Save this flow").get_by_role("button", name="Save").click()
        banner = ana.get_by_role("alert").filter(has_text="Someone else saved this flow meanwhile.")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Revision 2 by eve")
        expect(banner).to_contain_text("Your changes are kept here until you choose.")
        expect(save_state(ana)).to_have_text("Conflict")
        expect(ana.get_by_role("dialog", name="Save this flow")).to_be_hidden()
        compare = banner.get_by_role("button", name="Compare with theirs")
        take = banner.get_by_role("button", name="Take theirs, drop mine")
        overwrite = banner.get_by_role("button", name="Save mine over theirs")
        for choice in (compare, take, overwrite):
            expect(choice).to_be_enabled()
        # Nothing overwritten: the file is Eve's, Ana still sees her own words.
        assert welcome_words(live_server) == EVES
        expect(step(ana, "welcome")).to_contain_text(ANAS)
        shot(ana, "conflict-banner")

        # Theirs, read only, with the changed step marked; then back to the draft.
        compare.click()
        expect(
            ana.get_by_role("status").filter(has_text="Their version: revision 2 by eve")
        ).to_be_visible()
        expect(step(ana, "welcome")).to_contain_text(EVES)
        expect(step(ana, "welcome")).to_have_class(re.compile(r"\bmark-changed\b"))
        banner.get_by_role("button", name="Back to my draft").click()
        expect(step(ana, "welcome")).to_contain_text(ANAS)

        take.click()
        expect(banner).to_be_hidden()
        expect(save_state(ana)).to_have_text("Saved · revision 2")
        expect(step(ana, "welcome")).to_contain_text(EVES)
        expect(ana.get_by_role("button", name="Undo", exact=True)).to_be_disabled()
        assert welcome_words(live_server) == EVES

        # And it stays theirs after a reload: no draft of Ana's comes back.
        ana.reload()
        expect(save_state(ana)).to_have_text("Saved · revision 2")
        expect(ana.get_by_text("Your unsaved changes to this flow were kept")).to_have_count(0)

        # Another round, and this time Ana saves hers over Eve's, deliberately. Eve saves with
        # the keyboard: Ctrl+S opens the save dialog, Enter saves.
        settled(ana)
        find_step(ana, "welcome")
        words_field(ana, "Message").fill(ANAS)
        words_field(page, "Message").fill(EVES_AGAIN)
        page.locator("header.topbar h1").click()
        page.keyboard.press("Control+s")
        page.get_by_label("What did you change?").fill("Eve's welcome again")
        page.keyboard.press("Enter")
        expect(save_state(page)).to_have_text("Saved · revision 3")
        ana.get_by_role("button", name="Save", exact=True).click()
        ana.get_by_role("dialog", name="Save this flow").get_by_role("button", name="Save").click()
        expect(banner).to_contain_text("Revision 3 by eve")
        assert welcome_words(live_server) == EVES_AGAIN
        overwrite.click()
        expect(banner).to_be_hidden()
        expect(save_state(ana)).to_have_text("Saved · revision 4")
        assert welcome_words(live_server) == ANAS
    finally:
        other.close()
    assert not anas_errors.unexpected(), "Ana's page logged errors:\n" + "\n".join(
        anas_errors.unexpected()
    )
