"""The flow list: import a DSL file (a broken one is refused, saying where), duplicate, export
the DSL, and delete after a confirmation."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.designer.live import BrowserErrors, LiveServer, login

GREETING = """flow greeting {
  title = "Greeting"
  languages = [en-US, zh-CN]
  start -> hello
}

hangup hello {
  prompt {
    text {
      en-US = "Hello and goodbye."
      zh-CN = "您好，再见。"
    }
  }
}
"""


def row(page: Page, flow: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=flow, exact=True))


def test_a_flow_is_imported_duplicated_exported_and_deleted(
    page: Page, live_server: LiveServer, tmp_path: Path, browser_errors: BrowserErrors
) -> None:
    browser_errors.allow(r"status of 4\d\d .* at \S+/api/convert:")
    login(page, "eve")
    upload = page.get_by_label("Import a flow file")

    broken = tmp_path / "broken.flow"
    broken.write_text("flow broken {\n  start -> \n", encoding="utf-8")
    upload.set_input_files(str(broken))
    expect(page.get_by_role("alert")).to_contain_text("broken.flow was not imported")
    expect(page.get_by_role("alert")).to_contain_text("broken.flow:")
    assert not (live_server.flows_dir / "broken.flow").exists()

    good = tmp_path / "greeting.flow"
    good.write_text(GREETING, encoding="utf-8")
    upload.set_input_files(str(good))
    expect(row(page, "greeting")).to_contain_text("Greeting")
    assert "您好，再见。" in (live_server.flows_dir / "greeting.flow").read_text(encoding="utf-8")

    row(page, "greeting").get_by_role("button", name="Duplicate").click()
    dialog = page.get_by_role("dialog", name="Duplicate greeting")
    dialog.get_by_label("New flow id").fill("greeting_copy")
    dialog.get_by_role("button", name="Duplicate").click()
    expect(row(page, "greeting_copy")).to_be_visible()
    assert (live_server.flows_dir / "greeting_copy.flow").exists()

    with page.expect_download() as download:
        row(page, "greeting_copy").get_by_role("button", name="Export DSL").click()
    assert download.value.suggested_filename == "greeting_copy.flow"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "flow greeting_copy {" in text and "您好，再见。" in text

    row(page, "greeting_copy").get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete greeting_copy?")
    expect(confirm).to_contain_text("its file will be deleted")
    confirm.get_by_role("button", name="Cancel").click()
    assert (live_server.flows_dir / "greeting_copy.flow").exists()
    row(page, "greeting_copy").get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete greeting_copy?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(row(page, "greeting_copy")).to_have_count(0)
    assert not (live_server.flows_dir / "greeting_copy.flow").exists()
    assert (live_server.flows_dir / "greeting.flow").exists()
