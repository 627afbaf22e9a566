"""RTP as a softphone sends and hears it (`runtime.sip.rtp`): 20 ms G.711 packets with moving
sequence numbers and timestamps, RFC 4733 keys read once per press, and no crash on garbage."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.errors import SipError
from runtime.sip.rtp import KeyEvent, Packet, key_event, packets, parse


def test_a_prompt_goes_out_as_20_ms_packets_in_order() -> None:
    audio = bytes(range(256)) * 2  # 512 samples: three full packets and one padded
    sent = packets(audio, payload_type=0, ssrc=0xCAFE, sequence=65534, timestamp=4_294_967_000)
    assert [len(p.payload) for p in sent] == [160, 160, 160, 160]
    assert [p.sequence & 0xFFFF for p in sent] == [65534, 65535, 0, 1]  # wraps as RFC 3550 says
    assert [p.timestamp - sent[0].timestamp for p in sent] == [0, 160, 320, 480]
    assert [p.marker for p in sent] == [True, False, False, False]
    assert sent[-1].payload[32:] == b"\xff" * 128, "PCMU silence pads the last packet"
    back = parse(sent[2].to_bytes())
    assert (back.payload_type, back.sequence, back.timestamp & 0xFFFFFFFF, back.ssrc) == (
        0, 0, (4_294_967_000 + 320) & 0xFFFFFFFF, 0xCAFE,
    )  # fmt: skip
    assert back.payload == audio[320:480]


def test_a_key_press_is_read_from_its_telephone_events() -> None:
    def event(key: int, end: bool, duration: int) -> Packet:
        payload = struct.pack("!BBH", key, (0x80 if end else 0) | 10, duration)
        return parse(Packet(101, 7, 8000, 1, payload).to_bytes())

    assert key_event(event(11, False, 160)) == KeyEvent("#", False, 160, 8000)
    assert key_event(event(5, True, 800)) == KeyEvent("5", True, 800, 8000)
    assert key_event(event(200, True, 800)) is None, "a tone that is not a key"


def test_extensions_csrcs_and_padding_are_stepped_over() -> None:
    head = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 1, 8, 1, 2, 3)  # P, X, one CSRC
    data = head + b"\0\0\0\x09" + b"\xbe\xde\x00\x01" + b"\x11\x22\x33\x44" + b"abc" + b"\0\0\x03"
    assert parse(data).payload == b"abc"


@pytest.mark.parametrize("data", [b"", b"\x80\x00", b"\x40" + bytes(11), b"\x90" + bytes(11)])
def test_what_is_not_rtp_is_refused(data: bytes) -> None:
    with pytest.raises(SipError):
        parse(data)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_any_datagram_is_a_packet_or_a_sip_error(data: bytes) -> None:
    try:
        packet = parse(data)
        if packet.payload_type == 101:
            key_event(packet)
    except SipError:
        pass
