"""The linter while drawing: a problem made on a step shows as a badge on it and in the Problems
tab, a click on the problem brings the step's form, and fixing it clears both."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.designer.editor import (
    exit_of,
    find_step,
    open_flow,
    problem_buttons,
    problems_tab,
    properties,
    shot,
    step,
)
from tests.designer.live import LiveServer


def test_problems_show_on_their_step_until_they_are_fixed(
    page: Page, live_server: LiveServer
) -> None:
    """An error (a choice leading nowhere), then a warning (a menu message without English):
    each a badge on its step and an entry in Problems, gone once fixed."""
    open_flow(page, "eve", "balance")
    problems_tab(page).click()
    panel = page.get_by_role("tabpanel", name=re.compile("^Problems"))
    expect(panel).to_contain_text("No problems found.")

    # A third choice on the menu, key 2, leading nowhere.
    find_step(page, "main")
    choices = properties(page).get_by_role("group", name="Choices")
    choices.get_by_role("button", name="Add Menu choice").click()
    choices.get_by_role("textbox", name="Key", exact=True).nth(2).fill("2")

    badge = step(page, "main").locator(".badge.error")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("1 error")
    expect(step(page, "main")).to_have_class(re.compile(r"\bhas-error\b"))
    # The choice's exit is drawn in the problem colour, labelled with its key.
    expect(exit_of(page, "main", "choices.2")).to_have_class(re.compile(r"\bflagged\b"))
    expect(exit_of(page, "main", "choices.2")).to_have_text("2")
    expect(problems_tab(page)).to_have_accessible_name(re.compile(r"^Problems\s*1$"))
    problem = problem_buttons(page, "Error")
    expect(problem).to_have_count(1)
    expect(problem).to_have_accessible_name(re.compile(r"^Error SCE\d+ main: .*next"))
    # The form says it too, in the step's own problems.
    expect(properties(page).get_by_role("list", name="Problems of this step")).to_contain_text(
        "next"
    )
    shot(page, "problems-unconnected-choice")

    # Elsewhere in the flow, then back by the problem: the menu's form is there again.
    find_step(page, "welcome")
    expect(properties(page).get_by_role("heading", name="Play")).to_be_visible()
    problem.click()
    expect(properties(page).get_by_label("Step id")).to_have_value("main")
    expect(properties(page).get_by_role("heading", name="Menu")).to_be_visible()
    expect(step(page, "main")).to_have_class(re.compile(r"\bselected\b"))

    # Fixed: key 2 goes to the agent too.
    choices = properties(page).get_by_role("group", name="Choices")
    choices.get_by_role("combobox", name="Goes to").nth(2).select_option("agent")
    expect(badge).to_have_count(0)
    expect(step(page, "main")).not_to_have_class(re.compile(r"\bhas-error\b"))
    expect(exit_of(page, "main", "choices.2")).not_to_have_class(re.compile(r"\bflagged\b"))
    expect(exit_of(page, "main", "choices.2").locator('[title="→ agent"]')).to_be_visible()
    expect(problem_buttons(page)).to_have_count(0)
    expect(panel).to_contain_text("No problems found.")
    expect(problems_tab(page)).to_have_accessible_name("Problems")
    expect(properties(page).get_by_role("list", name="Problems of this step")).to_have_count(0)

    # A warning next: no English words and no recording, an English caller would hear nothing
    # (the Chinese words are there, so it is no error).
    message = properties(page).get_by_role("group", name="Menu message", exact=True)
    english = message.get_by_label("Words in en-US", exact=True)
    recording = message.get_by_label("Recording id (prompt catalog)")
    said = english.input_value()
    english.fill("")
    recording.fill("")
    badge = step(page, "main").locator(".badge.warning")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("1 warning")
    expect(step(page, "main")).not_to_have_class(re.compile(r"\bhas-error\b"))
    problems_tab(page).click()
    problem = problem_buttons(page, "Warning")
    expect(problem).to_have_count(1)
    expect(problem).to_have_accessible_name(re.compile(r"^Warning SCE401 main: .*en-US"))

    english.fill(said)
    recording.fill("balance_menu")
    expect(badge).to_have_count(0)
    expect(problem_buttons(page)).to_have_count(0)
    expect(step(page, "main")).to_contain_text(said)


def test_a_problem_badge_shows_its_count_alone(page: Page, live_server: LiveServer) -> None:
    """The badge on a step is a small pill with the number of problems; the words "1 error" are
    for screen readers only and take no room on the canvas."""
    open_flow(page, "eve", "balance")
    find_step(page, "main")
    choices = properties(page).get_by_role("group", name="Choices")
    choices.get_by_role("button", name="Add Menu choice").click()
    badge = step(page, "main").locator(".badge.error")
    expect(badge).to_contain_text("error")
    shown = badge.evaluate("b => b.innerText.trim()")
    width = badge.evaluate("b => b.getBoundingClientRect().width")
    # A count as wide as "11 error" is the screen reader's words shown on the canvas.
    assert width < 30, f"the badge shows {shown!r}, {width:.0f} px wide"
