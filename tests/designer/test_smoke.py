"""The designer opens: the built page, served by the real server at `/`, shows its login form."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_the_designer_opens_on_its_login_form(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_label("User name", exact=True)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
