"""A call's audio: RTP out at the pace of the clock, keys and the caller's voice in.

Every call of a process is paced by one `Pacer`: a tick every 20 ms on the event loop's clock
(`loop.call_at` at absolute times, so a late tick never delays the next ones), and on each tick
every stream sends one packet. One timer for all calls, rather than one task sleeping per call:
the cost of a tick is a loop of `sendto`s, and the streams of a process stay in step.

A stream sends continuously from answer to hangup, as a phone does: a prompt's audio while one
plays, else silence of the codec. The timestamp moves on by 160 every tick, the sequence number by
one per packet; a stream on hold sends nothing but keeps its clock, so that audio after the hold
carries the timestamp of the time that passed (RFC 3550 section 5.1).

What comes back: RFC 4733 key events (one key per press, however many packets carry it; the
key counts on its first packet, so a prompt stops at once), and the caller's audio, decoded to
16-bit samples, for a recording. RTP is sent back where the caller's RTP comes from (symmetric
RTP, RFC 4961): a phone behind NAT announces an address it cannot be reached at.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import struct
import warnings
from collections import deque
from collections.abc import Callable
from typing import cast

from runtime.errors import SipError
from runtime.sip import rtp
from runtime.sip.sdp import Answer

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message="'audioop' is deprecated", category=DeprecationWarning
    )
    import audioop

log = logging.getLogger("sce.sip")

#: Seconds per packet, and the bytes (samples) of G.711 in one.
PACKET_SECONDS = 0.02
FRAME = rtp.SAMPLES_PER_PACKET
#: A stalled loop (a garbage collection, a busy machine) that fell this far behind does not send
#: the missed packets in a burst: the clock starts again from now.
RESYNC_AFTER = 0.1
#: A recording hears speech in a packet louder than this (16-bit RMS; about -45 dBFS).
VOICE_RMS = 180

_ENCODE = {"PCMU": audioop.lin2ulaw, "PCMA": audioop.lin2alaw}
_DECODE = {"PCMU": audioop.ulaw2lin, "PCMA": audioop.alaw2lin}
_SILENCE = {"PCMU": b"\xff" * FRAME, "PCMA": b"\xd5" * FRAME}


class Pacer:
    """The clock of a process's RTP: every `PACKET_SECONDS`, each stream sends one packet.

    With `measure`, the lateness of every packet (the time `sendto` returned, past the tick's
    scheduled time) is kept for the benchmark and the metrics."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, measure: bool = False) -> None:
        self.loop = loop
        self.streams: dict[int, RtpStream] = {}
        self.lateness: deque[float] | None = deque(maxlen=200_000) if measure else None
        self._next = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def add(self, stream: RtpStream) -> None:
        self.streams[id(stream)] = stream
        if self._timer is None:
            self._next = self.loop.time() + PACKET_SECONDS
            self._timer = self.loop.call_at(self._next, self._tick)

    def remove(self, stream: RtpStream) -> None:
        self.streams.pop(id(stream), None)
        if not self.streams and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        due = self._next
        measured = self.lateness
        for stream in list(self.streams.values()):
            stream.tick()
            if measured is not None:
                measured.append(self.loop.time() - due)
        now = self.loop.time()
        self._next = due + PACKET_SECONDS
        if now - self._next > RESYNC_AFTER:
            self._next = now + PACKET_SECONDS
        self._timer = self.loop.call_at(self._next, self._tick)


class RtpStream(asyncio.DatagramProtocol):
    """One call's RTP: a UDP socket of its own, the codec agreed in `answer`."""

    def __init__(self, pacer: Pacer, answer: Answer, on_key: Callable[[str], None]) -> None:
        self.pacer = pacer
        self.codec = answer.codec
        self.payload_type = answer.payload
        self.dtmf = answer.dtmf
        self.remote = answer.remote
        self.on_hold = answer.on_hold
        self.on_key = on_key
        self.transport: asyncio.DatagramTransport | None = None
        self.ssrc = random.getrandbits(32)
        self.sequence = random.getrandbits(16)
        self.timestamp = random.getrandbits(32)
        self.sent = 0
        self.received = 0
        self.malformed = 0
        self._frames: deque[tuple[bytes, asyncio.Future[bool] | None]] = deque()
        self._marker = True
        self._latched = False
        self._last_key: int | None = None
        self._recording: list[bytes] | None = None
        self.last_voice = 0.0
        #: When the caller's RTP last came (a phone gone without a BYE sends none).
        self.last_heard = pacer.loop.time()

    @classmethod
    async def open(
        cls, pacer: Pacer, answer: Answer, host: str, on_key: Callable[[str], None]
    ) -> RtpStream:
        """A stream on a fresh UDP port of `host` (the SDP answer names it: `port`)."""
        _, stream = await pacer.loop.create_datagram_endpoint(
            lambda: cls(pacer, answer, on_key), local_addr=(host, 0)
        )
        return stream

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def start(self) -> None:
        self.pacer.add(self)

    def update(self, answer: Answer) -> None:
        """A re-INVITE's new terms: hold or resume, another address or codec."""
        self.on_hold = answer.on_hold
        if not answer.on_hold and answer.remote != self.remote:
            self.remote, self._latched = answer.remote, False
        if answer.codec != self.codec:
            self.codec, self.payload_type = answer.codec, answer.payload
        self.dtmf = answer.dtmf

    def close(self) -> None:
        self.pacer.remove(self)
        self.stop_playing()
        if self.transport is not None:
            self.transport.close()

    # -- sending ------------------------------------------------------------------------------

    def play(self, samples: bytes) -> asyncio.Future[bool]:
        """Queue 16-bit 8 kHz `samples` after what plays already; the future is True when the
        last packet of them went out, False when they were stopped (a key, a hangup)."""
        done: asyncio.Future[bool] = self.pacer.loop.create_future()
        encoded = _ENCODE[self.codec](samples, 2) if samples else b""
        if not encoded:
            done.set_result(True)
            return done
        last = len(encoded) - 1
        for start in range(0, len(encoded), FRAME):
            chunk = encoded[start : start + FRAME]
            if len(chunk) < FRAME:
                chunk += _SILENCE[self.codec][: FRAME - len(chunk)]
            self._frames.append((chunk, done if start + FRAME > last else None))
        return done

    @property
    def playing(self) -> bool:
        return bool(self._frames)

    def stop_playing(self) -> None:
        """Stop what plays at once (barge-in): the caller hears silence from the next packet."""
        for _, done in self._frames:
            if done is not None and not done.done():
                done.set_result(False)
        self._frames.clear()

    def tick(self) -> None:
        """One 20 ms packet: the next of a prompt, else silence (nothing at all on hold)."""
        timestamp = self.timestamp
        self.timestamp = (timestamp + FRAME) & 0xFFFFFFFF
        if self._frames:
            payload, done = self._frames.popleft()
            if done is not None and not done.done():
                done.set_result(True)
        else:
            payload = _SILENCE[self.codec]
        if self.on_hold or self.transport is None:
            self._marker = True
            return
        head = rtp.HEADER.pack(
            0x80,
            (0x80 if self._marker else 0) | self.payload_type,
            self.sequence,
            timestamp,
            self.ssrc,
        )
        self._marker = False
        self.sequence = (self.sequence + 1) & 0xFFFF
        self.transport.sendto(head + payload, self.remote)
        self.sent += 1

    # -- receiving ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A datagram transport, though asyncio's own does not say so by its class (3.11).
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            packet = rtp.parse(data)
        except SipError:
            self.malformed += 1
            return
        self.received += 1
        self.last_heard = self.pacer.loop.time()
        if not self._latched:
            self.remote, self._latched = (addr[0], addr[1]), True
        if packet.payload_type == self.dtmf and self.dtmf is not None:
            try:
                event = rtp.key_event(packet)
            except SipError:
                self.malformed += 1
                return
            if event is not None and event.timestamp != self._last_key:
                self._last_key = event.timestamp
                self.on_key(event.key)
        elif packet.payload_type in (0, 8) and self._recording is not None:
            codec = "PCMU" if packet.payload_type == 0 else "PCMA"
            samples = _DECODE[codec](packet.payload, 2)
            self._recording.append(samples)
            if audioop.rms(samples, 2) > VOICE_RMS:
                self.last_voice = self.pacer.loop.time()

    def error_received(self, exc: Exception) -> None:
        # An ICMP "port unreachable" for a phone that went away: the call's BYE (or its
        # session timer) ends it, not this.
        log.debug("RTP to %s: %s", self.remote, exc)

    # -- recording ----------------------------------------------------------------------------

    def start_recording(self) -> None:
        self._recording = []
        self.last_voice = 0.0

    def stop_recording(self) -> bytes:
        """The caller's audio since `start_recording`, as 16-bit 8 kHz samples."""
        taken, self._recording = self._recording or [], None
        return b"".join(taken)


def tone(hz: float = 1000.0, seconds: float = 0.25, level: float = 0.3) -> bytes:
    """A sine tone as 16-bit 8 kHz samples: the beep before a recording."""
    count = int(8000 * seconds)
    peak = level * 32767
    values = (int(peak * math.sin(2 * math.pi * hz * n / 8000)) for n in range(count))
    return struct.pack(f"<{count}h", *values)
