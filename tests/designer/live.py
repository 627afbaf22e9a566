"""What the designer's browser tests drive: the real server app on a free port in a thread of the
test process, its users, Chromium as Debian installs it, and a browser page that keeps what the
page logged as errors.

    def test_saving(page: Page, live_server: LiveServer) -> None:
        login(page, "eve")                    # at `/`, by the form's labels; the flow list shows
        ...
        assert (live_server.flows_dir / "hotline.flow").read_text(...)

The browser has a fake microphone (`fake_microphone`): Chromium plays a WAV file of espeak-ng's
speech, in a loop, to whatever records, and never asks whether it may.

`tests/designer/conftest.py` makes these into fixtures (`browser`, `live_server`, `page`,
`browser_errors`).
"""

from __future__ import annotations

import re
import shutil
import threading
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from playwright.sync_api import ConsoleMessage, Error, Page, ViewportSize, expect
from werkzeug.serving import make_server

import sce
from runtime.server.service import Service
from sce.access.roles import Role
from sce.access.users import UserFile
from tests.api.people import PASSWORD

#: The users of every test's server, all with the password `PASSWORD` of tests/api/people.py.
USERS = {
    "ana": Role.ADMIN,
    "dan": Role.DEPLOYER,
    "eve": Role.EDITOR,
    "val": Role.VIEWER,
    "vox": Role.VOICE,
}
#: The designer as `npm run build` leaves it, which the server serves at `/`.
DESIGNER = Path(sce.__file__).resolve().parent / "designer"
#: Chromium's flags: no sandbox (tests run as root), and none of its calls home, which only
#: time out on a machine that reaches nothing but the package registries.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-gpu",
]
VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
LOCALE = "en-US"
#: What the fake microphone says (espeak-ng), between a second of silence at each end.
MICROPHONE_TEXT = "Welcome to the Example hotline. Thank you for calling."
#: Chromium's fake capture reads 16-bit PCM WAV at 44.1 or 48 kHz.
MICROPHONE_RATE = 48_000


def fake_microphone(path: Path) -> Path:
    """A WAV file for Chromium's fake audio capture: `MICROPHONE_TEXT` spoken, padded with a
    second of silence on each side, 16-bit mono at 48 kHz (Chromium loops it)."""
    from tests.prompts.sounds import padded, speech_segment

    spoken = padded(speech_segment(MICROPHONE_TEXT), 1.0, 1.0)
    sound = spoken.set_frame_rate(MICROPHONE_RATE).set_channels(1).set_sample_width(2)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(MICROPHONE_RATE)
        out.writeframes(sound.raw_data)
    return path


def microphone_args(path: Path) -> list[str]:
    """Chromium's flags for a microphone that plays `path` and is allowed without asking."""
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={path}",
    ]


def make_users(path: Path) -> None:
    """A users file at `path` with `USERS` (Argon2 hashes: about a fifth of a second each)."""
    users = UserFile(path)
    for name, role in USERS.items():
        users.add(name, role, PASSWORD)


def designer_missing() -> str | None:
    """Why the designer cannot be served (it has not been built), or None."""
    if (DESIGNER / "index.html").is_file():
        return None
    return (
        f"the designer is not built ({DESIGNER.parent.name}/{DESIGNER.name}/index.html is "
        "missing): run make test/make run, which builds web/"
    )


@dataclass(frozen=True)
class LiveServer:
    """The server app, serving on `url` (no slash at the end) from a thread of this process."""

    url: str
    app: Flask
    service: Service
    #: The test's copy of the bundled flows, which the server reads and writes.
    flows_dir: Path
    #: The test's own prompts folder (empty at first: no prompt has audio), with the catalog
    #: (`catalog.json`) and the takes' files the studio writes.
    prompts_dir: Path


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 on a free port (werkzeug, a thread per request) until the block
    ends; the block gets the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # A short poll: `shutdown()` waits for the loop to look (half a second by default).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


#: A lint asked while the server still builds an earlier draft is answered 503 (Busy, with
#: Retry-After) on a loaded machine; the designer asks again a moment later, as documented.
LINT_BUSY = re.compile(r"status of 503 .* at \S+/api/lint:")


@dataclass
class BrowserErrors:
    """What a page logged as an error (console errors, uncaught exceptions), each as one line;
    a test that expects some says so with `allow(pattern)` (a regex searched in the line)."""

    seen: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=lambda: [LINT_BUSY])

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", self._page_error)

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.allowed)]

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            # Playwright counts lines from 0.
            at = f" at {where['url']}:{where['lineNumber'] + 1}" if where.get("url") else ""
            self.seen.append(f"console error: {message.text}{at}")

    def _page_error(self, error: Error) -> None:
        self.seen.append(f"uncaught {error.name}: {error.message}\n{error.stack or ''}".rstrip())


def screenshot_name(nodeid: str) -> str:
    """A file name for a test's screenshot: its node id, made safe."""
    stem = nodeid.removeprefix("tests/designer/").removesuffix(".py")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem.replace(".py::", "__")).strip("_") + ".png"


def copy_users(made: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made, target)


def login(page: Page, user: str, password: str = PASSWORD, *, lands: str = "Flows") -> None:
    """Log `user` in as a person does, at `/`: the form's fields by their labels and its button,
    then wait for the page the user lands on (the flow list; voice talent: the studio, whose
    heading is "Recording studio")."""
    page.goto("/")
    page.get_by_label("User name", exact=True).fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name=lands, exact=True)).to_be_visible()
