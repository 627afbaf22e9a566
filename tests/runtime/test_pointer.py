"""Values picked out of a data dip's reply by JSON pointer (RFC 6901), as an http node saves them."""

from __future__ import annotations

import pytest

from runtime.pointer import save_values
from tests.runtime.bank_server import ACCOUNT


def test_json_pointers_pick_values_out_of_the_reply() -> None:
    values, error = save_values(
        ACCOUNT,
        {
            "amount": "/balance/amount",
            "name": "/customer/name",
            "vip": "/customer/vip",
            "second": "/accounts/1/id",
            "kind": "/accounts/0/kind",
            "slash": "/a~1b",
            "tilde": "/m~0n",
            "chinese": "/余额",
            "everything": "",
        },
    )
    assert error is None
    assert values == {
        "amount": "1234.50",
        "name": "张三",
        "vip": True,
        "second": "A-2",
        "kind": "储蓄",
        "slash": "slash",
        "tilde": "tilde",
        "chinese": "九百元",
        "everything": ACCOUNT,
    }


def test_a_missing_pointer_is_named_and_the_found_values_are_kept() -> None:
    values, error = save_values(
        ACCOUNT,
        {"amount": "/balance/amount", "due": "/balance/due", "third": "/accounts/2/id"},
    )
    assert error == "/balance/due is not in the reply"
    assert values == {"amount": "1234.50"}


@pytest.mark.parametrize(
    "pointer", ["/accounts/01/id", "/accounts/-", "/accounts/x", "/customer/name/0", "/a/b"]
)
def test_pointers_follow_rfc_6901_strictly(pointer: str) -> None:
    assert save_values(ACCOUNT, {"v": pointer}) == ({}, f"{pointer} is not in the reply")


def test_a_text_reply_has_no_fields() -> None:
    assert save_values("OK", {"v": "/status"}) == ({}, "/status is not in the reply")


def test_a_pointer_without_a_leading_slash_is_explained() -> None:
    assert save_values(ACCOUNT, {"v": "balance/amount"}) == (
        {},
        "'balance/amount' is not a JSON pointer: it must start with /",
    )
    assert save_values(ACCOUNT, {"v": "/m~2n"})[1] == (
        "'/m~2n' is not a JSON pointer: '~' must be '~0' or '~1'"
    )
