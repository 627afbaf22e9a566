"""Which text of a prompt the caller hears."""

from __future__ import annotations

from runtime.prompts import pick, sorry

TEXTS = {"en": "Enter your PIN.", "zh": "请输入密码。"}


def test_the_callers_language_then_the_same_language_written_otherwise_then_the_default() -> None:
    assert pick({"zh-CN": "你好", **TEXTS}, "zh-CN", "en") == ("zh-CN", "你好")
    assert pick(TEXTS, "zh-CN", "en") == ("zh", "请输入密码。")  # a subflow in zh, a zh-CN call
    assert pick(TEXTS, "fr-FR", "en") == ("en", "Enter your PIN.")
    assert pick({"de": "Hallo"}, "fr-FR", "en") == ("de", "Hallo")
    assert pick({}, "en", "en") is None


def test_the_polite_goodbye_speaks_the_callers_language() -> None:
    assert sorry("zh-CN").text.startswith("对不起") and sorry("zh-CN").language == "zh-CN"
    assert sorry("pt-BR").text.startswith("Sorry")
