"""The recording studio: voice talent land on it, record a prompt from the microphone (Chromium's
fake one, which says `live.MICROPHONE_TEXT`), listen back, save; the catalog names the take and
callers hear it in a test call. A file that is not audio is refused in the server's words; an
editor listens but does not record; a recording session walks through the prompts from the
keyboard; the studio speaks Chinese."""

from __future__ import annotations

import json
import re
import wave
from pathlib import Path
from urllib.parse import unquote

from playwright.sync_api import Browser, Dialog, Locator, Page, expect

from tests.designer.conftest import TIMEOUT_MS
from tests.designer.editor import (
    QUICK_MS,
    canvas,
    find_step,
    open_flow,
    properties,
    settled,
    shot,
)
from tests.designer.live import LOCALE, VIEWPORT, BrowserErrors, LiveServer, login
from tests.runtime.server.phone import API_TOKEN

WELCOME = "Welcome to the Example hotline."
#: Long enough for the fake microphone's loop (a second of silence each side of the speech) to
#: give some speech whatever the moment the recording starts.
RECORD_MS = 2_500


def prompt_list(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Prompts")


def prompt_item(page: Page, prompt_id: str) -> Locator:
    """A prompt's entry in the list: a button named by its id, chips and text."""
    return prompt_list(page).get_by_role("button", name=re.compile(rf"^{re.escape(prompt_id)}\b"))


def detail(page: Page) -> Locator:
    return page.get_by_role("main")


def open_prompt(page: Page, prompt_id: str) -> Locator:
    prompt_item(page, prompt_id).click()
    shown = detail(page)
    expect(shown.get_by_role("heading", name=f"Prompt {prompt_id}")).to_be_visible()
    return shown


def wait_for_sound(page: Page) -> None:
    """Until the level meter shows the fake microphone speaking (above -40 dBFS)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[role=meter]')]
                 .some(m => Number(m.getAttribute('aria-valuenow')) > -40)""",
        timeout=5_000,
    )


def catalog_take(prompts_dir: Path, prompt_id: str, language: str) -> dict[str, object]:
    """The take callers hear, as catalog.json says it."""
    catalog = json.loads((prompts_dir / "catalog.json").read_text(encoding="utf-8"))
    entry = catalog["prompts"][prompt_id]["languages"][language]
    chosen = [t for t in entry["takes"] if t["take"] == entry["take"]]
    assert len(chosen) == 1, entry
    return chosen[0]


def test_voice_talent_records_a_prompt_and_callers_hear_it(
    page: Page, live_server: LiveServer, browser: Browser, browser_errors: BrowserErrors
) -> None:
    login(page, "vox", lands="Recording studio")
    expect(page).to_have_url(re.compile(r"/studio(\?|$)"))
    # Voice talent read no flows: no link to the flow list, and no flow list that fails.
    expect(page.get_by_role("link", name="Flows", exact=True)).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(prompt_list(page).get_by_text("0 of 6 recorded in en-US")).to_be_visible()
    item = prompt_item(page, "hotline_welcome")
    expect(item).to_contain_text("missing")
    shot(page, "studio-list")

    shown = open_prompt(page, "hotline_welcome")
    expect(shown.get_by_text(WELCOME, exact=True)).to_be_visible()
    expect(shown.get_by_text("No audio yet: callers hear text-to-speech.")).to_be_visible()
    expect(shown.get_by_text("No takes yet.")).to_be_visible()

    # Record: the level meter follows the microphone; Stop; the take on a waveform.
    shown.get_by_role("button", name="Record", exact=True).click()
    meter = shown.get_by_role("meter", name="Input level")
    expect(meter).to_be_visible()
    started = page.evaluate("performance.now()")
    wait_for_sound(page)
    shot(page, "studio-recording")
    page.wait_for_timeout(max(0, RECORD_MS - (page.evaluate("performance.now()") - started)))
    shown.get_by_role("button", name="Stop", exact=True).click()
    review = shown.get_by_role("group", name="The new take")
    expect(review).to_have_attribute("data-state", "ready")
    expect(review.get_by_role("slider", name="Trim start")).to_have_value("0")
    expect(shown.get_by_role("button", name="Play", exact=True)).to_be_enabled()
    # The trim handles follow the sliders (the keyboard's way to them) and back.
    trim_end = review.get_by_role("slider", name="Trim end")
    trim_end.press("Home")
    expect(review).to_contain_text("0.1 s kept")
    trim_end.press("End")
    expect(review).not_to_contain_text("0.1 s kept")
    shot(page, "studio-review")

    # Going to another prompt with the take not saved asks first; "no" keeps it.
    asked: list[str] = []

    def refuse(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    prompt_item(page, "welcome").click()
    expect(review).to_have_attribute("data-state", "ready")
    assert asked == ["You have a take that is not saved. Drop it?"]
    expect(shown.get_by_text(WELCOME, exact=True)).to_be_visible()

    # Save: a draft recording, the take callers hear, in the history.
    shown.get_by_role("button", name="Save", exact=True).click()
    expect(
        shown.get_by_role("status").filter(has_text="hotline_welcome: take 1 saved")
    ).to_be_visible()
    expect(item).to_contain_text("recorded")
    expect(prompt_list(page).get_by_text("1 of 6 recorded in en-US")).to_be_visible()
    takes = shown.get_by_role("list", name=re.compile(r"^Takes"))
    expect(takes.get_by_role("listitem")).to_have_count(1)
    expect(takes.get_by_role("listitem").first).to_contain_text("Take 1")
    expect(takes.get_by_role("listitem").first).to_contain_text("callers hear this")
    expect(takes.get_by_role("listitem").first).to_contain_text("by vox")
    heard = shown.get_by_role("group", name="Take 1, the one callers hear")
    expect(heard).to_have_attribute("data-state", "ready")
    expect(shown.get_by_role("button", name="Approve", exact=True)).to_be_enabled()
    shot(page, "studio-take-saved")

    # On disk: the catalog names the take, a telephone WAV (8 kHz mono 16-bit).
    take = catalog_take(live_server.prompts_dir, "hotline_welcome", "en-US")
    assert take["source"] == "recorded" and take["by"] == "vox", take
    with wave.open(str(live_server.prompts_dir / str(take["file"])), "rb") as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
        assert audio.getnframes() > 8000 * 0.3
    answer = page.request.get("/api/prompts/hotline_welcome")
    assert answer.ok
    audio_url = answer.json()["languages"]["en-US"]["audio_url"]
    assert audio_url and audio_url.endswith(".wav"), audio_url

    # An editor's test call of the hotline plays that recording for the welcome.
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale=LOCALE)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        editor = context.new_page()
        browser_errors.watch(editor)
        open_flow(editor, "eve", "hotline")
        editor.get_by_role("tab", name="Test call").click()
        panel = editor.get_by_role("tabpanel", name="Test call")
        panel.get_by_role("checkbox", name="Speak prompts").uncheck()
        panel.get_by_role("button", name="Start test call").click()
        transcript = panel.get_by_role("list", name="Transcript")
        welcome = transcript.get_by_role("listitem").filter(has_text=WELCOME)
        expect(welcome).to_have_count(1)
        played = welcome.get_by_role("link", name="Play recording")
        expect(played).to_have_attribute("href", re.compile(r"^/prompts/.+\.wav$"))
        # The very take the studio saved, at the URL the studio plays it from.
        expect(played).to_have_attribute("href", audio_url)
        assert unquote(audio_url) == f"/prompts/{take['file']}"
        shot(editor, "studio-take-in-test-call")
    finally:
        context.close()


def test_an_upload_that_is_not_audio_is_refused_in_the_servers_words(
    page: Page, live_server: LiveServer, browser_errors: BrowserErrors
) -> None:
    browser_errors.allow(r"status of 422")
    login(page, "vox", lands="Recording studio")
    shown = open_prompt(page, "goodbye")
    shown.get_by_label("Upload a file", exact=True).set_input_files(
        {"name": "goodbye.wav", "mimeType": "audio/wav", "buffer": b"Thank you, goodbye!\n" * 20}
    )
    refusal = shown.get_by_role("alert")
    expect(refusal).to_contain_text("Not saved")
    expect(refusal).to_contain_text("goodbye.wav is not audio: it holds text, not sound")
    expect(shown.get_by_text("No takes yet.")).to_be_visible()
    expect(prompt_item(page, "goodbye")).to_contain_text("missing")
    assert not (live_server.prompts_dir / "catalog.json").exists()
    assert not any(live_server.prompts_dir.rglob("*.wav"))
    # The refusal stays until dismissed: it is never lost in a notice that goes away.
    page.wait_for_timeout(300)
    expect(refusal).to_be_visible()
    refusal.get_by_role("button", name="Dismiss").click()
    expect(shown.get_by_role("alert")).to_have_count(0)


def test_a_stand_in_is_synthesised_then_a_take_chosen_and_approved(
    page: Page, live_server: LiveServer
) -> None:
    login(page, "vox", lands="Recording studio")
    shown = open_prompt(page, "queue_main")
    shown.get_by_role("button", name="Synthesise a stand-in").click()
    expect(shown.get_by_role("status")).to_contain_text("Take 1 synthesised")
    expect(prompt_item(page, "queue_main")).to_contain_text("synthesised")
    expect(shown.get_by_role("group", name="Take 1, the one callers hear")).to_have_attribute(
        "data-state", "ready"
    )
    # Only where there is no take: a second stand-in is made through the API.
    expect(shown.get_by_role("button", name="Synthesise a stand-in")).to_have_count(0)
    made = live_server.app.test_client().post(
        "/api/prompt-audio/en-US/queue_main",
        json={"synthesise": True},
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )
    assert made.status_code == 201
    open_prompt(page, "welcome")
    shown = open_prompt(page, "queue_main")
    takes = shown.get_by_role("list", name=re.compile(r"^Takes"))
    expect(takes.get_by_role("listitem")).to_have_count(2)
    expect(takes.get_by_role("listitem").first).to_contain_text("Take 2")
    expect(takes.get_by_role("listitem").first).to_contain_text("callers hear this")

    takes.get_by_role("button", name="Use this take (Take 1)").click()
    expect(shown.get_by_role("status")).to_have_text("Callers hear take 1 now.")
    expect(takes.get_by_role("listitem").last).to_contain_text("callers hear this")
    shown.get_by_role("button", name="Approve", exact=True).click()
    expect(shown.get_by_role("status")).to_have_text("Approved: this take is final.")
    expect(shown.get_by_text("Approved by vox")).to_be_visible()
    expect(prompt_item(page, "queue_main")).to_contain_text("approved")
    take = catalog_take(live_server.prompts_dir, "queue_main", "en-US")
    assert take["take"] == 1 and take["source"] == "synthesised", take


def test_an_editor_listens_in_the_studio_but_does_not_record(
    page: Page, live_server: LiveServer
) -> None:
    # A take to listen to, synthesised through the API as a voice talent would.
    client = live_server.app.test_client()
    made = client.post(
        "/api/prompt-audio/en-US/welcome",
        json={"synthesise": True},
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )
    assert made.status_code == 201, made.get_json()

    # The flow list links to the studio; the editor's prompt field offers the catalog's ids
    # and says what has audio.
    login(page, "eve")
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages.get_by_role("link", name="Recording studio")).to_have_attribute("href", "/studio")
    page.get_by_role("link", name="balance", exact=True).click()
    expect(canvas(page)).to_be_visible()
    settled(page)
    find_step(page, "welcome")
    field = properties(page).get_by_label("Recording id (prompt catalog)")
    expect(field).to_have_value("welcome")
    expect(field).to_have_attribute("list", re.compile(r".+"))
    offered = page.locator(f'datalist[id="{field.get_attribute("list")}"] option')
    expect(offered).to_have_count(6)
    expect(offered.and_(page.locator('[value="hotline_welcome"]'))).to_have_attribute(
        "label", WELCOME
    )
    audio = properties(page).get_by_role("list", name="Audio of welcome")
    audio.scroll_into_view_if_needed()
    shot(page, "studio-prompt-field")
    expect(audio.get_by_role("listitem").filter(has_text="en-US")).to_have_text("en-US synthesised")
    expect(audio.get_by_role("listitem").filter(has_text="zh-CN")).to_have_text(
        "zh-CN no audio yet: spoken by text-to-speech"
    )
    properties(page).get_by_role("link", name="Open in the studio").click()

    expect(page).to_have_url(re.compile(r"/studio\?prompt=welcome&language=en-US$"))
    shown = detail(page)
    expect(shown.get_by_role("heading", name="Prompt welcome")).to_be_visible()
    expect(
        shown.get_by_text("Your role can listen; recording needs the voice role.")
    ).to_be_visible()
    expect(shown.get_by_role("group", name="Take 1, the one callers hear")).to_have_attribute(
        "data-state", "ready"
    )
    expect(shown.get_by_role("button", name="Play take 1")).to_be_enabled()
    for name in ("Record", "Approve", "Synthesise a stand-in", "Save"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Use this take"))).to_have_count(0)
    expect(page.get_by_label("Upload a file")).to_have_count(0)
    expect(page.get_by_role("button", name="Start session")).to_have_count(0)
    # Editors read flows: the studio links back to them.
    expect(page.get_by_role("link", name="Flows", exact=True)).to_be_visible()
    shot(page, "studio-editor-listens")


def test_a_recording_session_walks_through_the_prompts_from_the_keyboard(
    page: Page, live_server: LiveServer
) -> None:
    login(page, "vox", lands="Recording studio")
    filters = prompt_list(page).get_by_role("group", name="Show")
    filters.get_by_text("Missing", exact=True).click()
    expect(filters.get_by_role("radio", name=re.compile(r"^Missing"))).to_be_checked()
    prompt_list(page).get_by_role("button", name=re.compile(r"^Start session")).click()
    session = page.get_by_role("dialog", name="Recording session")
    count = session.locator(".script-count")
    expect(count).to_have_text("1 / 6")
    stage = session.get_by_role("region", name=re.compile(r"^Script of "))
    expect(stage).to_be_focused()
    expect(stage).to_contain_text("balance_menu")
    expect(stage).to_contain_text("For your balance, press 1.")

    page.keyboard.press("ArrowRight")
    expect(count).to_have_text("2 / 6")
    expect(stage).to_contain_text("closed")
    page.keyboard.press("n")
    expect(count).to_have_text("3 / 6")
    expect(stage).to_contain_text("Thank you for calling Example Bank")
    page.keyboard.press("ArrowLeft")
    expect(count).to_have_text("2 / 6", timeout=QUICK_MS)
    page.keyboard.press("p")
    page.keyboard.press("ArrowLeft")  # held at the first
    expect(count).to_have_text("1 / 6")
    expect(session.get_by_role("progressbar", name="Session progress")).to_have_attribute(
        "aria-valuetext", "1 / 6"
    )
    # Space records and stops, as the Record button does.
    page.keyboard.press("Space")
    expect(session.get_by_role("meter", name="Input level")).to_be_visible()
    started = page.evaluate("performance.now()")
    wait_for_sound(page)
    shot(page, "studio-session")
    page.wait_for_timeout(max(0, RECORD_MS - (page.evaluate("performance.now()") - started)))
    page.keyboard.press("Space")
    review = session.get_by_role("group", name="The new take")
    expect(review).to_have_attribute("data-state", "ready")
    # A slider keeps its arrows: they trim, they do not move the session.
    trim_end = review.get_by_role("slider", name="Trim end")
    full = trim_end.get_attribute("max")
    trim_end.press("ArrowLeft")
    expect(trim_end).not_to_have_value(full or "")
    expect(count).to_have_text("1 / 6")
    # Enter saves the take and goes on to the next prompt.
    page.keyboard.press("Enter")
    expect(count).to_have_text("2 / 6")
    saved = session.get_by_role("status").filter(has_text="balance_menu: take 1 saved")
    expect(saved).to_be_visible()
    expect(stage).to_contain_text("closed")
    page.keyboard.press("Escape")
    expect(session).to_be_hidden()
    # Recorded, it has left the list of missing prompts.
    expect(prompt_list(page).get_by_text("1 of 6 recorded in en-US")).to_be_visible()
    expect(prompt_item(page, "balance_menu")).to_have_count(0)
    take = catalog_take(live_server.prompts_dir, "balance_menu", "en-US")
    assert take["source"] == "recorded", take


def test_the_studio_speaks_chinese(page: Page, live_server: LiveServer) -> None:
    login(page, "vox", lands="Recording studio")
    page.get_by_role("combobox", name="Recording language").select_option("zh-CN")
    page.get_by_role("combobox", name="Language", exact=True).select_option(label="简体中文")
    expect(page.get_by_role("heading", name="录音室", exact=True)).to_be_visible()
    prompts = page.get_by_role("complementary", name="提示音")
    expect(prompts.get_by_text("zh-CN：6 条中已录 0 条")).to_be_visible()
    expect(prompts.get_by_role("radio", name=re.compile(r"^缺失"))).to_be_visible()
    prompts.get_by_role("button", name=re.compile(r"^hotline_welcome")).click()
    shown = detail(page)
    expect(shown.get_by_text("欢迎致电示例热线。", exact=True)).to_be_visible()
    expect(shown.get_by_role("button", name="录音", exact=True)).to_be_visible()
    expect(shown.get_by_role("button", name="合成替代音")).to_be_visible()
    shot(page, "studio-chinese")
