"""SDP offers from softphones and trunks, and our answers (`runtime.sip.sdp`): G.711 in the
caller's order, their telephone-event payload, holds recognised, 488 for what we cannot speak."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.errors import SipError
from runtime.sip.sdp import answer, parse

OFFER = """v=0
o=alice 2890844526 2890844526 IN IP4 10.0.0.5
s=-
c=IN IP4 10.0.0.5
t=0 0
m=audio 49170 RTP/AVP 9 8 0 101
a=rtpmap:9 G722/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv
"""


def test_the_answer_takes_the_callers_first_g711_and_their_key_events() -> None:
    agreed = answer(parse(OFFER), address="127.0.0.1", port=40000, session=7)
    assert (agreed.codec, agreed.payload, agreed.dtmf) == ("PCMA", 8, 101)
    assert agreed.remote == ("10.0.0.5", 49170) and not agreed.on_hold
    ours = parse(agreed.sdp)
    audio = ours.audio()
    assert audio is not None and audio.formats == [8, 101] and audio.port == 40000
    assert audio.rtpmap[101] == ("telephone-event", 8000) and "a=ptime:20" in agreed.sdp


def test_static_payloads_need_no_rtpmap() -> None:
    plain = "v=0\r\nc=IN IP4 10.0.0.9\r\nm=audio 5004 RTP/AVP 0\r\n"
    agreed = answer(parse(plain), address="127.0.0.1", port=40002, session=1)
    assert (agreed.codec, agreed.payload, agreed.dtmf) == ("PCMU", 0, None)


@pytest.mark.parametrize(
    ("change", "held"),
    [("a=sendrecv", False), ("a=sendonly", True), ("a=inactive", True)],
)
def test_a_hold_is_recognised_by_direction_or_null_address(change: str, held: bool) -> None:
    offer = OFFER.replace("a=sendrecv", change)
    assert answer(parse(offer), address="127.0.0.1", port=1, session=1).on_hold is held
    nulled = OFFER.replace("c=IN IP4 10.0.0.5", "c=IN IP4 0.0.0.0")
    assert answer(parse(nulled), address="127.0.0.1", port=1, session=1).on_hold


@pytest.mark.parametrize(
    ("offer", "words"),
    [
        (
            OFFER.replace("9 8 0 101", "9 18")
            .replace("a=rtpmap:8 PCMA/8000\n", "")
            .replace("a=rtpmap:0 PCMU/8000\n", ""),
            "neither PCMU nor PCMA",
        ),
        (OFFER.replace("m=audio", "m=video"), "no audio"),
        (OFFER.replace("RTP/AVP", "RTP/SAVP"), "SRTP is not spoken"),
    ],
)
def test_media_we_cannot_speak_is_a_488(offer: str, words: str) -> None:
    with pytest.raises(SipError) as refused:
        answer(parse(offer), address="127.0.0.1", port=1, session=1)
    assert refused.value.status == 488 and words in refused.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("o=x\r\n", "no 'v=0'"),
        ("v=0\r\nhello\r\n", "not 'x=value'"),
        ("v=0\r\nc=IN IP4\r\n", "connection"),
        ("v=0\r\nm=audio x RTP/AVP 0\r\n", "media line"),
    ],
)
def test_malformed_sdp_is_a_400(text: str, words: str) -> None:
    with pytest.raises(SipError) as refused:
        parse(text)
    assert refused.value.status == 400 and words in refused.value.message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=600))
def test_any_text_is_a_description_or_a_sip_error(text: str) -> None:
    try:
        offer = parse(text)
        answer(offer, address="127.0.0.1", port=1, session=1)
    except SipError:
        pass
