"""A scriptable SIP phone for the tests, on real UDP sockets: it dials, hears RTP, presses keys
as RFC 4733 events (or SIP INFO), speaks into a recording, holds, and answers the runtime's
BYE, REFER and OPTIONS. What it heard is kept as 16-bit samples with the packets' headers, so
tests can assert what a caller would notice: the audio, its pace, the keys' effect.

The sipp and baresip tests drive the runtime with Debian's real clients; this one exists for
what those cannot script precisely (a key in the middle of a prompt, a NOTIFY's contents).
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
import warnings
from dataclasses import dataclass, field

from runtime.sip import message as sipmsg
from runtime.sip import rtp
from runtime.sip.message import Message

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import audioop

KEYS = "0123456789*#ABCD"


@dataclass
class Heard:
    """One RTP packet the phone received: when, its header fields, its audio decoded."""

    at: float
    sequence: int
    timestamp: int
    ssrc: int
    marker: bool
    payload_type: int
    samples: bytes


@dataclass
class Call:
    phone: Phone
    call_id: str
    tag: str
    invite: Message
    final: Message | None = None
    remote_media: tuple[str, int] | None = None
    cseq: int = 1
    heard: list[Heard] = field(default_factory=list)
    requests: list[Message] = field(default_factory=list)
    bye: threading.Event = field(default_factory=threading.Event)
    dtmf: int = 101
    _timestamp: int = field(default_factory=lambda: random.getrandbits(31))
    _sequence: int = field(default_factory=lambda: random.getrandbits(15))

    @property
    def status(self) -> int | None:
        return self.final.status if self.final else None

    def to_header(self) -> str:
        assert self.final is not None
        return self.final.get("To") or ""

    def samples(self) -> bytes:
        return b"".join(h.samples for h in self.heard)

    def audible(self, threshold: int = 300) -> float:
        """Seconds of the audio heard that are not silence (20 ms packets over `threshold`)."""
        return 0.02 * sum(1 for h in self.heard if audioop.rms(h.samples, 2) > threshold)

    def wait_audio(self, seconds: float, timeout: float = 20.0) -> None:
        """Until the phone heard `seconds` of sound (a prompt playing)."""
        end = time.monotonic() + timeout
        while self.audible() < seconds:
            if time.monotonic() > end:
                raise AssertionError(f"heard only {self.audible():.2f} s of sound in {timeout} s")
            time.sleep(0.02)

    def wait_silence(self, seconds: float = 0.3, timeout: float = 30.0) -> None:
        """Until the last `seconds` of what came were silence (a prompt ended)."""
        end = time.monotonic() + timeout
        count = int(seconds / 0.02)
        while True:
            tail = self.heard[-count:]
            if len(tail) == count and all(audioop.rms(h.samples, 2) <= 300 for h in tail):
                return
            if time.monotonic() > end:
                raise AssertionError("the prompt did not end")
            time.sleep(0.02)

    def press(self, keys: str, *, gap: float = 0.15) -> None:
        """Each key as RFC 4733 events: start, two updates, three end packets, as phones do."""
        assert self.remote_media is not None
        for key in keys:
            event = KEYS.index(key)
            self._timestamp += 1600
            for n, (end, duration) in enumerate(
                [(False, 160), (False, 320), (False, 480), (True, 640), (True, 640), (True, 640)]
            ):
                payload = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
                packet = rtp.Packet(
                    self.dtmf, self._sequence, self._timestamp, 0x1234, payload, marker=n == 0
                )
                self._sequence += 1
                self.phone.media.sendto(packet.to_bytes(), self.remote_media)
                time.sleep(0.01)
            time.sleep(gap)

    def info(self, key: str) -> Message | None:
        """A key by SIP INFO (application/dtmf-relay), for phones without RFC 4733."""
        body = f"Signal={key}\r\nDuration=160\r\n".encode()
        return self.request("INFO", [("Content-Type", "application/dtmf-relay")], body)

    def speak(self, seconds: float, hz: float = 440.0, level: float = 0.3) -> None:
        """Send `seconds` of a tone as PCMU RTP at the real pace (a caller's voice)."""
        assert self.remote_media is not None
        import math

        for n in range(int(seconds / 0.02)):
            values = [
                int(level * 32767 * math.sin(2 * math.pi * hz * (n * 160 + i) / 8000))
                for i in range(160)
            ]
            payload = audioop.lin2ulaw(struct.pack("<160h", *values), 2)
            self._timestamp += 160
            packet = rtp.Packet(0, self._sequence, self._timestamp, 0x1234, payload)
            self._sequence += 1
            self.phone.media.sendto(packet.to_bytes(), self.remote_media)
            time.sleep(0.02)

    def request(
        self, method: str, headers: list[tuple[str, str]] | None = None, body: bytes = b""
    ) -> Message | None:
        """A request in the dialog; its final response."""
        self.cseq += 1
        message = self.phone.build(
            method, self.invite.uri or "", self.call_id, self.cseq, self.tag,
            to=self.to_header(), headers=headers, body=body,
        )  # fmt: skip
        return self.phone.transact(message)

    def hangup(self) -> Message | None:
        return self.request("BYE")

    def hold(self) -> Message | None:
        return self.request(
            "INVITE", [("Content-Type", "application/sdp")], self.phone.sdp("sendonly").encode()
        )

    def resume(self) -> Message | None:
        return self.request(
            "INVITE", [("Content-Type", "application/sdp")], self.phone.sdp("sendrecv").encode()
        )

    def wait_bye(self, timeout: float = 30.0) -> None:
        if not self.bye.wait(timeout):
            raise AssertionError(f"the runtime did not hang up within {timeout} s")

    def wait_request(self, method: str, timeout: float = 10.0) -> Message:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for r in self.requests:
                if r.method == method:
                    return r
            time.sleep(0.02)
        raise AssertionError(f"no {method} came within {timeout} s")


class Phone:
    """One phone: a SIP socket and an RTP socket on loopback, a thread reading each."""

    def __init__(self, server: tuple[str, int], *, answer_refer: int = 202) -> None:
        self.server = server
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind(("127.0.0.1", 0))
        self.media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.media.bind(("127.0.0.1", 0))
        self.port = self.sip.getsockname()[1]
        self.media_port = self.media.getsockname()[1]
        self.answer_refer = answer_refer
        self.calls: dict[str, Call] = {}
        self.responses: dict[tuple[str, str], list[Message]] = {}
        self._lock = threading.Condition()
        self._closed = False
        for target in (self._read_sip, self._read_media):
            threading.Thread(target=target, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self.sip.close()
        self.media.close()

    def sdp(self, direction: str = "sendrecv", formats: str = "0 8 101") -> str:
        return (
            f"v=0\r\no=phone 1 {random.randrange(1, 1 << 30)} IN IP4 127.0.0.1\r\ns=-\r\n"
            f"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {self.media_port} RTP/AVP {formats}\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
            f"a={direction}\r\n"
        )

    def build(
        self,
        method: str,
        uri: str,
        call_id: str,
        cseq: int,
        tag: str,
        *,
        to: str,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        branch: str | None = None,
    ) -> Message:
        branch = branch or f"z9hG4bK{random.getrandbits(48):x}"
        extra = headers or []
        replaced = {name for name, _ in extra}
        base = [
            ("Via", f"SIP/2.0/UDP 127.0.0.1:{self.port};branch={branch};rport"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:caller@127.0.0.1:{self.port}>;tag={tag}"),
            ("To", to),
            ("Call-ID", call_id),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", f"<sip:caller@127.0.0.1:{self.port}>"),
        ]
        kept = [(name, value) for name, value in base if name not in replaced]
        return Message(method=method, uri=uri, headers=kept + extra, body=body)

    def dial(
        self,
        flow: str,
        *,
        sdp: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        timeout: float = 15.0,
    ) -> Call:
        """INVITE `sip:FLOW@server`; ACK the answer. The call's `status` is the final one."""
        call_id = f"{random.getrandbits(64):x}@127.0.0.1"
        tag = f"{random.getrandbits(32):x}"
        host, port = self.server
        uri = f"sip:{flow}@{host}:{port}"
        body = (self.sdp() if sdp is None else sdp).encode()
        invite = self.build(
            "INVITE", uri, call_id, 1, tag, to=f"<{uri}>",
            headers=[("Content-Type", "application/sdp"), *(headers or [])], body=body,
        )  # fmt: skip
        call = Call(self, call_id, tag, invite)
        self.calls[call_id] = call
        call.final = self.transact(invite, timeout=timeout)
        if call.final is not None and call.final.status is not None:
            if call.final.status >= 200:
                self.ack(call)
            if 200 <= call.final.status < 300:
                from runtime.sip import sdp as sdpmod

                media = sdpmod.parse(call.final.body.decode()).audio()
                assert media is not None
                call.remote_media = (media.address or "127.0.0.1", media.port)
        return call

    def ack(self, call: Call) -> None:
        assert call.final is not None
        via = call.invite.get("Via") or ""
        branch = via.split("branch=")[1].split(";")[0]
        ack = self.build(
            "ACK", call.invite.uri or "", call.call_id, 1, call.tag,
            to=call.final.get("To") or "",
            branch=branch if (call.final.status or 0) >= 300 else None,
        )  # fmt: skip
        self.send(ack)

    def send(self, message: Message) -> None:
        self.sip.sendto(message.to_bytes(), self.server)

    def transact(self, request: Message, *, timeout: float = 10.0) -> Message | None:
        """Send `request`; its final response (None after `timeout`)."""
        key = (request.call_id, request.get("CSeq") or "")
        self.send(request)
        end = time.monotonic() + timeout
        with self._lock:
            while time.monotonic() < end:
                for r in self.responses.get(key, []):
                    if (r.status or 0) >= 200:
                        return r
                self._lock.wait(0.05)
        return None

    def provisional(self, call: Call) -> list[int]:
        key = (call.call_id, call.invite.get("CSeq") or "")
        return [r.status or 0 for r in self.responses.get(key, []) if (r.status or 0) < 200]

    def _read_sip(self) -> None:
        while not self._closed:
            try:
                data, _ = self.sip.recvfrom(65535)
            except OSError:
                return
            message = sipmsg.parse(data)
            if message.is_request:
                self._answer(message)
                continue
            with self._lock:
                key = (message.call_id, message.get("CSeq") or "")
                self.responses.setdefault(key, []).append(message)
                self._lock.notify_all()

    def _answer(self, request: Message) -> None:
        call = self.calls.get(request.call_id)
        if request.method == "ACK":
            return
        status = 200
        if request.method == "REFER":
            status = self.answer_refer
        reply = sipmsg.response(request, status, "OK" if status < 300 else "Refused")
        self.sip.sendto(reply.to_bytes(), self.server)
        if call is not None:
            call.requests.append(request)
            if request.method == "BYE":
                call.bye.set()

    def _read_media(self) -> None:
        while not self._closed:
            try:
                data, _ = self.media.recvfrom(2048)
            except OSError:
                return
            packet = rtp.parse(data)
            decode = audioop.ulaw2lin if packet.payload_type == 0 else audioop.alaw2lin
            heard = Heard(
                time.monotonic(), packet.sequence, packet.timestamp, packet.ssrc,
                packet.marker, packet.payload_type, decode(packet.payload, 2),
            )  # fmt: skip
            if self.calls:  # a phone holds one call at a time: the last one dialed
                list(self.calls.values())[-1].heard.append(heard)
