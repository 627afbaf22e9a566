"""Deploying from the editor: a deployer changes a prompt, saves, and deploys the saved revision;
the dialog says what changes for callers and what version is live, and so do the flow list and
the server's health check."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.designer.editor import find_step, open_flow, save, shot, words_field
from tests.designer.live import LiveServer

NEW_WELCOME = "Welcome to Example Bank, now open on Sundays."


def test_a_deployer_deploys_a_changed_prompt(page: Page, live_server: LiveServer) -> None:
    before = page.request.get("/healthz").json()["flows"].get("balance")

    open_flow(page, "dan", "balance")
    find_step(page, "welcome")
    words_field(page, "Message").fill(NEW_WELCOME)
    save(page, "Sunday opening in the welcome")

    page.get_by_role("button", name="Deploy", exact=True).click()
    dialog = page.get_by_role("dialog", name="Deploy balance")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Revision 2 will be deployed.")
    expect(dialog).to_contain_text("no problems")
    # What callers get that they did not: the welcome changed, nothing else.
    changes = dialog.get_by_role("region", name="3. What changes for callers")
    expect(changes).to_contain_text("1 step changed")
    expect(changes).to_contain_text("welcome")
    shot(page, "deploying-dialog")

    dialog.get_by_role("button", name="Deploy", exact=True).click()
    result = dialog.get_by_role("status")
    expect(result).to_contain_text("Deployed")
    version_code = result.locator("code").first
    expect(version_code).to_have_text(re.compile(r"^[0-9a-f]{8}$"))
    version = version_code.get_attribute("title")
    assert version and version.startswith(version_code.inner_text())
    assert version != before
    # After the deploy the dialog compares again: the live version is this revision now.
    expect(changes).to_contain_text("The live version is this revision already")
    shot(page, "deploying-deployed")

    # The server runs the new version: its health check says so, and the flow list shows it.
    assert page.request.get("/healthz").json()["flows"]["balance"] == version
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="← Flows").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="balance", exact=True))
    live = row.locator("code").first
    expect(live).to_have_text(version[:8])
    expect(row).to_contain_text("dan")
