"""RTP packets (RFC 3550) of a call's audio, and the key events in them (RFC 4733).

A prompt goes out as 20 ms packets of G.711: 160 samples each at 8 kHz, the timestamp moving on by
160 and the sequence number by 1 per packet, the marker bit on the first. Keys come back as
telephone-event payloads: one key sends several packets (and three copies of its end), all with
the timestamp where the key began, so a key is one (timestamp, event) however often it is sent.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from runtime.errors import SipError

#: Samples per 20 ms packet at 8 kHz, and the header's fixed size.
SAMPLES_PER_PACKET = 160
HEADER = struct.Struct("!BBHII")
#: RFC 4733 events 0-15: the keys.
KEYS = "0123456789*#ABCD"


@dataclass(frozen=True)
class Packet:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def to_bytes(self) -> bytes:
        first = 0x80  # version 2, no padding, no extension, no CSRC
        second = (0x80 if self.marker else 0) | (self.payload_type & 0x7F)
        head = HEADER.pack(first, second, self.sequence & 0xFFFF, self.timestamp & 0xFFFFFFFF,
                           self.ssrc & 0xFFFFFFFF)  # fmt: skip
        return head + self.payload


def parse(data: bytes) -> Packet:
    """The packet in a datagram; SipError when it is not RTP version 2."""
    if len(data) < HEADER.size:
        raise SipError("an RTP packet is shorter than its header")
    first, second, sequence, timestamp, ssrc = HEADER.unpack_from(data)
    if first >> 6 != 2:
        raise SipError("not an RTP version 2 packet")
    offset = HEADER.size + 4 * (first & 0x0F)
    if first & 0x10:  # a header extension: 4 bytes, then its length in 32-bit words
        if len(data) < offset + 4:
            raise SipError("an RTP header extension is cut short")
        offset += 4 + 4 * struct.unpack_from("!H", data, offset + 2)[0]
    end = len(data)
    if first & 0x20 and end > offset:  # padding: its count is the last byte
        end -= data[-1]
    if offset > end:
        raise SipError("an RTP packet is shorter than its header says")
    return Packet(second & 0x7F, sequence, timestamp, ssrc, data[offset:end], bool(second & 0x80))


@dataclass(frozen=True)
class KeyEvent:
    key: str
    ended: bool
    duration: int  # in samples
    #: Where the key began: the same in every packet of one press.
    timestamp: int


def key_event(packet: Packet) -> KeyEvent | None:
    """The key in a telephone-event packet (None for an event that is not a key)."""
    if len(packet.payload) < 4:
        raise SipError("a telephone-event payload is shorter than 4 bytes")
    event, flags, duration = struct.unpack_from("!BBH", packet.payload)
    if event >= len(KEYS):
        return None
    return KeyEvent(KEYS[event], bool(flags & 0x80), duration, packet.timestamp)


def packets(
    audio: bytes, *, payload_type: int, ssrc: int, sequence: int, timestamp: int
) -> list[Packet]:
    """`audio` (G.711 bytes, one per sample) as 20 ms packets from `sequence` and `timestamp`;
    the last one is filled with silence of the codec (0xFF for PCMU, 0xD5 for PCMA)."""
    silence = b"\xff" if payload_type == 0 else b"\xd5"
    out = []
    for n, start in enumerate(range(0, len(audio), SAMPLES_PER_PACKET)):
        chunk = audio[start : start + SAMPLES_PER_PACKET]
        chunk += silence * (SAMPLES_PER_PACKET - len(chunk))
        out.append(Packet(payload_type, sequence + n, timestamp + n * SAMPLES_PER_PACKET, ssrc,
                          chunk, marker=n == 0))  # fmt: skip
    return out
