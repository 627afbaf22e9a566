"""SIP messages as a PBX or trunk sends them, read and answered (`runtime.sip.message`); any
input, however wrong, is a message or a `SipError` with the status to answer, never a crash."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.errors import SipError
from runtime.sip.message import canonical, parse, response, split_list

INVITE = (
    b"INVITE sip:ivr@127.0.0.1:5080 SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK776asdhds;rport\r\n"
    b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKproxy\r\n"
    b"Max-Forwards: 70\r\n"
    b'From: "Alice, A." <sip:alice@example.com>;tag=1928301774\r\n'
    b"To: <sip:ivr@127.0.0.1>\r\n"
    b"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"Contact: <sip:alice@127.0.0.1:5061>\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: 4\r\n"
    b"\r\n"
    b"v=0\r\n"
)


def test_an_invite_is_read_with_its_headers_in_order() -> None:
    m = parse(INVITE)
    assert (m.method, m.uri) == ("INVITE", "sip:ivr@127.0.0.1:5080")
    assert m.call_id == "a84b4c76e66710@pc33.example.com"
    assert m.cseq == (314159, "INVITE")
    assert m.tag("From") == "1928301774" and m.tag("To") is None
    assert [v.split(";")[0] for v in m.all("Via")] == [
        "SIP/2.0/UDP 127.0.0.1:5061",
        "SIP/2.0/UDP 10.0.0.1:5060",
    ]
    assert m.body == b"v=0\r"  # Content-Length says where the body ends


def test_compact_forms_folded_lines_and_bare_line_feeds_are_read() -> None:
    text = (
        "BYE sip:ivr@h SIP/2.0\n"
        "v: SIP/2.0/UDP h;branch=z9hG4bK1\n"
        "f: <sip:a@h>;tag=1\n"
        "t: <sip:ivr@h>;tag=2\n"
        "i: abc\n"
        "CSeq: 2\n"
        "  BYE\n"
        "l: 0\n\n"
    )
    m = parse(text.encode())
    assert (m.method, m.call_id, m.cseq, m.tag("To")) == ("BYE", "abc", (2, "BYE"), "2")
    assert canonical("i") == "Call-ID" and canonical("cseq") == "CSeq"
    assert canonical("www-authenticate") == "WWW-Authenticate"


def test_a_response_copies_what_the_rfc_says_and_adds_our_tag() -> None:
    ok = response(parse(INVITE), 200, "OK", to_tag="ivr1", body=b"v=0\r\n")
    again = parse(ok.to_bytes())
    assert (again.status, again.reason) == (200, "OK")
    assert again.all("Via") == parse(INVITE).all("Via")
    assert again.tag("To") == "ivr1" and again.tag("From") == "1928301774"
    assert again.get("Content-Length") == "5" and again.body == b"v=0\r\n"
    trying = response(parse(INVITE), 100, "Trying", to_tag="ivr1")
    assert trying.tag("To") is None, "100 Trying carries no To tag"


def test_lists_split_on_commas_outside_quotes_and_angle_brackets() -> None:
    assert split_list('"a, b" <sip:x>, <sip:y;p=1,2>, z') == [
        '"a, b" <sip:x>',
        "<sip:y;p=1,2>",
        "z",
    ]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "no empty line"),
        (b"HELLO\r\n\r\n", "not a SIP request or status line"),
        (INVITE.replace(b"Call-ID: a84b4c76e66710@pc33.example.com\r\n", b""), "no Call-ID"),
        (INVITE.replace(b"CSeq: 314159 INVITE", b"CSeq: 314159 BYE"), "CSeq names 'BYE'"),
        (INVITE.replace(b"Content-Length: 4", b"Content-Length: 400"), "shorter"),
        (INVITE.replace(b"Content-Length: 4", b"Content-Length: x"), "not a number"),
        (INVITE.replace(b"Max-Forwards: 70", b"Max Forwards 70"), "not 'Name: value'"),
        (b"INVITE sip:a SIP/2.0\r\nVia: \xff\r\n\r\n", "not UTF-8"),
        (b"X" * 70_000, "larger than"),
    ],
)
def test_a_malformed_message_says_what_is_wrong(data: bytes, words: str) -> None:
    with pytest.raises(SipError) as refused:
        parse(data)
    assert words in refused.value.message
    assert refused.value.status in (400, 513)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_are_a_message_or_a_sip_error(data: bytes) -> None:
    with contextlib.suppress(SipError):
        parse(data)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, len(INVITE)),
    st.lists(st.tuples(st.integers(0, len(INVITE) - 1), st.integers(0, 255)), max_size=8),
)
def test_a_cut_or_garbled_invite_is_a_message_or_a_sip_error(
    cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(INVITE[:cut] if cut else INVITE)
    for at, value in flips:
        if at < len(data):
            data[at] = value
    try:
        message = parse(bytes(data))
    except SipError:
        return
    message.to_bytes()  # what was read can be written again
