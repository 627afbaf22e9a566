"""A test call from the editor: the caller's side of the balance line in the transcript, the keypad,
and the call's path on the canvas."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.designer.editor import fit_view, open_flow, shot, step
from tests.designer.live import LiveServer

#: The balance the core banking stub of flows/systems.http.yaml answers with.
BALANCE = "Your balance is 12.5 USD."


def test_pressing_1_reads_out_the_balance_and_marks_the_path(
    page: Page, live_server: LiveServer
) -> None:
    open_flow(page, "eve", "balance")
    page.get_by_role("tab", name="Test call").click()
    panel = page.get_by_role("tabpanel", name="Test call")
    # Quiet: the prompts are only read, not spoken aloud.
    panel.get_by_role("checkbox", name="Speak prompts").uncheck()
    expect(panel.get_by_text("No test call yet")).to_be_visible()
    expect(panel.get_by_role("button", name="Key 1", exact=True)).to_be_disabled()

    panel.get_by_role("button", name="Start test call").click()
    transcript = panel.get_by_role("list", name="Transcript")
    expect(transcript).to_contain_text("Welcome to Example Bank.")
    expect(transcript).to_contain_text("For your balance, press 1.")
    expect(panel.get_by_role("status")).to_have_text("The call waits at main for keys or speech.")
    expect(step(page, "main")).to_have_class(re.compile(r"\bmark-active\b"))

    panel.get_by_role("button", name="Key 1", exact=True).click()
    expect(transcript).to_contain_text("You pressed 1")
    expect(transcript).to_contain_text(BALANCE)
    expect(transcript).to_contain_text("Thank you for calling Example Bank. Goodbye.")
    expect(transcript.get_by_role("listitem").last).to_have_text("Call ended")
    lines = transcript.get_by_role("listitem").all_inner_texts()
    assert lines.index("You pressed 1") < next(i for i, x in enumerate(lines) if BALANCE in x)
    assert not any("Sorry" in line for line in lines), lines
    expect(panel.get_by_role("button", name="Key 1", exact=True)).to_be_disabled()

    # The path: every step the call went through is marked, the last one it reached most.
    fit_view(page)
    for visited in ("pick_language", "welcome", "main", "lookup", "read_balance", "text_balance"):
        expect(step(page, visited)).to_have_class(re.compile(r"\bmark-visited\b"))
    expect(step(page, "goodbye")).to_have_class(re.compile(r"\bmark-active\b"))
    for untouched in ("mandarin", "sorry", "agent"):
        expect(step(page, untouched)).not_to_have_class(re.compile(r"\bmark-"))
    shot(page, "test-call-balance")

    # Clear takes the transcript and the marks away.
    panel.get_by_role("button", name="Clear", exact=True).click()
    expect(transcript.get_by_role("listitem")).to_have_count(0)
    expect(page.locator(".step.mark-visited, .step.mark-active")).to_have_count(0)


def test_a_call_runs_a_version_picked_from_the_deploy_log(
    page: Page, live_server: LiveServer
) -> None:
    """Every version that was live is offered, by its short version, and a call runs it."""
    open_flow(page, "eve", "balance")
    live = live_server.service.registry.current("balance")
    page.get_by_role("tab", name="Test call").click()
    panel = page.get_by_role("tabpanel", name="Test call")
    panel.get_by_role("checkbox", name="Speak prompts").uncheck()
    run = panel.get_by_label("Run", exact=True)
    option = run.get_by_role("option", name=re.compile(rf"^Version {live.version[:8]} "))
    expect(option).to_have_count(1)
    run.select_option(f"version:{live.version}")
    panel.get_by_role("button", name="Start test call").click()
    transcript = panel.get_by_role("list", name="Transcript")
    expect(transcript).to_contain_text("Welcome to Example Bank.")
