"""Fixtures of the designer's browser tests (tests/designer/live.py has the helpers):

    browser         one headless Chromium (Debian's, through Playwright) for the whole session,
                    with a fake microphone (`live.fake_microphone`: espeak-ng's speech in a loop)
    live_server     the real server app on a copy of the bundled flows and an empty prompts
                    folder of its own, on a free port of 127.0.0.1, with the users of
                    `live.USERS`, serving the built designer at `/`
    page            a fresh browser context's page on the live server (1440x900, en-US; relative
                    URLs go to the server); at the end a screenshot goes into the artifacts
                    folder (tests/designer/artifacts/, or $SCE_TEST_ARTIFACTS), and the test
                    errors if the page logged a console error or threw an uncaught exception
    browser_errors  what the page logged; `browser_errors.allow(REGEX)` for an expected one

A server per test: it opens in a few hundredths of a second (the users file, whose Argon2 hashes
are the slow part, is made once per session and copied).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright

from runtime.config import RuntimeConfig
from runtime.server.service import Service
from tests.designer.live import (
    CHROMIUM_ARGS,
    LOCALE,
    VIEWPORT,
    BrowserErrors,
    LiveServer,
    copy_users,
    designer_missing,
    fake_microphone,
    make_users,
    microphone_args,
    screenshot_name,
    serving,
)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
#: Playwright's wait for an element or a page, in ms: long enough for a slow CI machine.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "Chromium is not on the PATH: install it: apt-get install -y chromium "
            "(scripts/setup.sh does)",
            pytrace=False,
        )
    microphone = fake_microphone(tmp_path_factory.mktemp("microphone") / "speech.wav")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[*CHROMIUM_ARGS, *microphone_args(microphone)],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def designer_users(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The users file of `live.USERS`, made once."""
    path = tmp_path_factory.mktemp("designer-users") / "users.json"
    make_users(path)
    return path


@pytest.fixture
def live_server(
    designer_users: Path,
    server_config: RuntimeConfig,
    flows_dir: Path,
    service: Service,
    app: Flask,
) -> Iterator[LiveServer]:
    """The server's app and service of tests/runtime/server/fixtures.py, served for real."""
    missing = designer_missing()
    if missing:
        pytest.fail(missing, pytrace=False)
    copy_users(designer_users, Path(server_config.users))
    # The prompts folder is the test's own (under its tmp_path), empty: the repository's
    # prompts/ is never written, and every prompt starts without audio.
    prompts_dir = Path(server_config.prompts)
    prompts_dir.mkdir(parents=True, exist_ok=True)
    with serving(app) as url:
        yield LiveServer(
            url=url, app=app, service=service, flows_dir=flows_dir, prompts_dir=prompts_dir
        )


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def page(
    browser: Browser,
    live_server: LiveServer,
    browser_errors: BrowserErrors,
    request: pytest.FixtureRequest,
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORT,
        locale=LOCALE,
    )
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    browser_errors.watch(opened)
    try:
        yield opened
    finally:
        artifacts = Path(os.environ.get("SCE_TEST_ARTIFACTS") or ARTIFACTS)
        artifacts.mkdir(parents=True, exist_ok=True)
        try:
            opened.screenshot(path=str(artifacts / screenshot_name(request.node.nodeid)))
        finally:
            context.close()
    unexpected = browser_errors.unexpected()
    assert not unexpected, "the page logged errors:\n" + "\n".join(unexpected)
