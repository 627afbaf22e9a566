"""Packet captures of RFC 4733 key presses, for sipp's `play_pcap_audio` (sipp replays a
capture's RTP, at its pace, to the address the call's SDP answer gave).

sipp's own `play_dtmf` sends its events with payload type 96 whatever the SDP agreed, so the
tests give it what a real phone sends instead: the payload type of the offer (101).
"""

from __future__ import annotations

import struct
from pathlib import Path

from runtime.sip import rtp

KEYS = "0123456789*#ABCD"


def key_presses(
    keys: str, *, payload_type: int = 101, gap: float = 0.3
) -> list[tuple[float, bytes]]:
    """(seconds from the start, RTP packet) for each key: 5 packets every 20 ms while it is
    held, then the end packet three times, then `gap` seconds before the next key."""
    out: list[tuple[float, bytes]] = []
    at, sequence, timestamp = 0.0, 1000, 16000
    for key in keys:
        event = KEYS.index(key)
        for n in range(8):
            end = n >= 5
            duration = 160 * min(n + 1, 6)
            payload = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            packet = rtp.Packet(payload_type, sequence, timestamp, 0x5EED, payload, marker=n == 0)
            out.append((at, packet.to_bytes()))
            sequence += 1
            at += 0.02
        timestamp += 160 * 8 + int(gap * 8000)
        at += gap
    return out


def write_pcap(path: Path, packets: list[tuple[float, bytes]]) -> Path:
    """A libpcap file of `packets` as UDP datagrams over IPv4 on Ethernet."""
    chunks = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for at, payload in packets:
        udp = struct.pack("!HHHH", 40000, 40002, 8 + len(payload), 0) + payload
        total = 20 + len(udp)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))  # fmt: skip
        ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
        frame = b"\x00" * 12 + b"\x08\x00" + ip + udp
        seconds = int(at)
        chunks.append(
            struct.pack("<IIII", seconds, int((at - seconds) * 1e6), len(frame), len(frame))
        )
        chunks.append(frame)
    path.write_bytes(b"".join(chunks))
    return path


def _checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
