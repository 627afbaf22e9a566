"""The designer in Simplified Chinese: the switcher changes the UI's words at once, the choice
outlives a reload, and Chinese prompts show on the canvas."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.designer.editor import QUICK_MS, open_flow, settled, shot, step
from tests.designer.live import LiveServer, login

WELCOME_ZH = "欢迎致电示例银行。"


def to_chinese(page: Page) -> None:
    page.get_by_role("combobox", name="Language").select_option(label="简体中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def save_in_chinese(page: Page, message: str) -> None:
    page.get_by_role("button", name="保存", exact=True).click()
    dialog = page.get_by_role("dialog", name="保存此流程")
    dialog.get_by_label("您修改了什么？").fill(message)
    dialog.get_by_role("button", name="保存", exact=True).click()
    expect(dialog).to_be_hidden()


def test_the_designer_speaks_chinese_and_remembers_it(page: Page, live_server: LiveServer) -> None:
    login(page, "eve")
    to_chinese(page)
    expect(page.get_by_role("heading", name="流程", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="新建流程")).to_be_visible()

    page.get_by_role("link", name="balance", exact=True).click()
    expect(page.get_by_role("tab", name="测试呼叫")).to_be_visible()
    for tab in ("问题", "文本", "历史"):
        expect(page.get_by_role("tab", name=re.compile(rf"^{tab}"))).to_be_visible()
    expect(page.get_by_role("button", name="保存", exact=True)).to_be_disabled()
    expect(page.get_by_role("button", name="撤销", exact=True)).to_be_visible()
    status = page.locator("header.topbar").get_by_role("status")
    expect(status).to_have_text("已保存 · 第 1 版")
    expect(page.get_by_role("button", name="添加播放")).to_be_visible()
    settled(page)
    expect(page.get_by_role("group", name="步骤 pick_language（条件分支）")).to_be_visible()

    # Chinese first among the flow's languages: the canvas shows its Chinese words.
    panel = page.get_by_role("complementary", name="属性")
    # The form's labels come from the flow schema, in Chinese too.
    languages = panel.get_by_role("textbox", name="语言", exact=True)
    expect(languages).to_have_value("en-US, zh-CN")
    languages.fill("zh-CN, en-US")
    step(page, "welcome").locator(".step-head").click()
    expect(panel.get_by_role("group", name="播放内容", exact=True)).to_be_visible()
    expect(panel.get_by_role("checkbox", name="允许来电者打断")).to_be_visible()
    expect(panel).not_to_contain_text("Caller can interrupt")
    expect(status).to_have_text("有未保存的修改")
    page.get_by_role("tab", name="测试呼叫").click()
    expect(page.get_by_role("button", name="开始测试呼叫")).to_be_visible()
    save_in_chinese(page, "普通话优先")
    expect(status).to_have_text("已保存 · 第 2 版")

    page.reload()
    expect(page.get_by_role("tab", name="测试呼叫")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(status).to_have_text("已保存 · 第 2 版")
    page.get_by_role("button", name="显示整个流程").click()
    settled(page)
    expect(step(page, "welcome")).to_contain_text(WELCOME_ZH)
    expect(step(page, "goodbye")).to_contain_text("感谢您致电示例银行，再见。")
    shot(page, "language-chinese")

    # And back to English.
    page.get_by_role("combobox", name="界面语言").select_option(label="English")
    expect(page.get_by_role("tab", name="Test call")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_notices_speak_the_ui_language(page: Page, live_server: LiveServer) -> None:
    """What the designer says after a save ("Saved as revision 2.") is in the UI's language."""
    open_flow(page, "eve", "balance")
    to_chinese(page)
    page.get_by_role("button", name="自动排列").click()
    save_in_chinese(page, "排列")
    notice = page.get_by_role("status").filter(has=page.get_by_role("button", name="关闭提示"))
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("2")
    expect(notice).not_to_contain_text("Saved as revision", timeout=QUICK_MS)
