"""Import from Twilio Studio in the flow list: an analyst picks a Studio export, reads what came
over (the widgets, what needs them, the approximations), names the flow and opens it on the
canvas where Studio had its widgets; a malformed export is refused saying which widget."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.designer.editor import canvas, settled, shot
from tests.designer.live import BrowserErrors, LiveServer, login

DATA = Path(__file__).parents[1] / "data" / "twilio-studio"


def test_a_studio_export_is_imported_with_its_report_and_opened(
    page: Page, live_server: LiveServer, browser_errors: BrowserErrors
) -> None:
    login(page, "eve")
    page.get_by_label("Import a flow exported from Twilio Studio").set_input_files(
        str(DATA / "12-order-lookup-ivr.json")
    )
    dialog = page.get_by_role("dialog", name="Import 12-order-lookup-ivr.json from Twilio Studio")
    expect(dialog).to_contain_text("7 widgets came over: 7 as they were")
    attention = dialog.get_by_role("region", name="Needs your attention")
    expect(attention).to_contain_text("order_lookup")
    expect(attention).to_contain_text("runs the Twilio Function at https://example.com/httpRequest")
    expect(dialog).to_contain_text("add them to http-allow")
    dialog.get_by_text("Every widget and the step it became").click()
    expect(dialog.get_by_role("row").filter(has_text="forward_call")).to_contain_text("transfer")
    shot(page, "studio-import-report")
    dialog.get_by_label("Flow id").fill("orders")
    dialog.get_by_role("button", name="Create and open").click()

    expect(page).to_have_url(f"{live_server.url}/flows/orders")
    expect(canvas(page)).to_be_visible()
    settled(page)
    expect(canvas(page).get_by_text("order_no", exact=True)).to_be_visible()
    shot(page, "studio-import-canvas")
    saved = json.loads((live_server.flows_dir / "orders.json").read_text(encoding="utf-8"))
    assert saved["nodes"]["order_no"]["ui"]["x"] == 470, "where Studio had the widget"


def test_a_malformed_export_is_refused_naming_the_widget(
    page: Page, live_server: LiveServer, tmp_path: Path, browser_errors: BrowserErrors
) -> None:
    browser_errors.allow(r"status of 422 .* at \S+/api/import/twilio-studio")
    login(page, "eve")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"states": [{"name": "menu", "type": "warp-drive"}]}), "utf-8")
    page.get_by_label("Import a flow exported from Twilio Studio").set_input_files(str(bad))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("bad.json could not be imported from Twilio Studio")
    expect(alert).to_contain_text("widget 'menu': unknown widget type 'warp-drive'")
