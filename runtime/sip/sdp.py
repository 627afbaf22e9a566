"""Session descriptions (SDP, RFC 4566) of a call's audio, and our answer to an offer (RFC 3264).

We speak G.711 (PCMU, payload type 0, and PCMA, 8) at 8 kHz in 20 ms packets, and hear keys as
RFC 4733 telephone-events. An answer takes the caller's first codec of those two and their
telephone-event payload type; an offer with neither codec gets `SipError` 488 (Not Acceptable
Here), as RFC 3261 section 13.3.1.3 says. A direction of `sendonly` or `inactive`, or the
connection address 0.0.0.0, is a hold (RFC 3264 section 8.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runtime.errors import SipError

#: Static payload types we speak (RFC 3551), by name.
STATIC = {"PCMU": 0, "PCMA": 8}
_BY_NUMBER = {v: k for k, v in STATIC.items()}
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
MAX_SDP = 16_384
_LINE = re.compile(r"([a-z])=(.*)")


@dataclass
class Media:
    """One `m=` section."""

    kind: str
    port: int
    proto: str
    formats: list[int]
    address: str | None = None
    #: payload type → (encoding name, clock rate).
    rtpmap: dict[int, tuple[str, int]] = field(default_factory=dict)
    direction: str = "sendrecv"

    def encoding(self, payload: int) -> str | None:
        if payload in self.rtpmap:
            return self.rtpmap[payload][0]
        return _BY_NUMBER.get(payload)


@dataclass
class Description:
    address: str | None
    media: list[Media]

    def audio(self) -> Media | None:
        return next((m for m in self.media if m.kind == "audio" and m.port != 0), None)


@dataclass(frozen=True)
class Answer:
    """What we agreed: the codec and its payload type, the keys' payload type (None: keys come
    by SIP INFO only), where to send RTP, whether the caller put us on hold, and our SDP."""

    codec: str
    payload: int
    dtmf: int | None
    remote: tuple[str, int]
    on_hold: bool
    sdp: str


def parse(text: str) -> Description:
    """The description in `text`; SipError 400 when it is not SDP."""
    if len(text) > MAX_SDP:
        raise SipError(f"the SDP is larger than {MAX_SDP} bytes")
    address: str | None = None
    media: list[Media] = []
    seen_version = False
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        found = _LINE.fullmatch(line)
        if found is None:
            raise SipError(f"an SDP line is not 'x=value': {line[:60]!r}")
        kind, value = found.groups()
        if kind == "v":
            seen_version = value.strip() == "0"
        elif kind == "c":
            connected = _connection(value)
            if media:
                media[-1].address = connected
            else:
                address = connected
        elif kind == "m":
            media.append(_media(value))
        elif kind == "a" and media:
            _attribute(media[-1], value)
    if not seen_version:
        raise SipError("the SDP has no 'v=0' line")
    return Description(address, media)


def _connection(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SipError(f"an SDP connection line is not 'IN IP4 address': {value[:60]!r}")
    return parts[2].split("/")[0]


def _media(value: str) -> Media:
    parts = value.split()
    if len(parts) < 4 or not parts[1].split("/")[0].isdigit():
        raise SipError(f"an SDP media line is not 'kind port proto formats': {value[:60]!r}")
    port = int(parts[1].split("/")[0])
    if port > 65535:
        raise SipError(f"an SDP media port is out of range: {port}")
    formats = [int(f) for f in parts[3:] if f.isdigit() and int(f) < 128]
    return Media(parts[0], port, parts[2], formats)


def _attribute(media: Media, value: str) -> None:
    name, _, rest = value.partition(":")
    if name in DIRECTIONS and not rest:
        media.direction = name
    elif name == "rtpmap":
        found = re.fullmatch(r"(\d{1,3})\s+([\w.-]+)/(\d{1,6})(?:/\d+)?", rest.strip())
        if found and int(found.group(1)) < 128:
            media.rtpmap[int(found.group(1))] = (found.group(2), int(found.group(3)))


def answer(offer: Description, *, address: str, port: int, session: int) -> Answer:
    """Our answer to `offer`, with RTP at `address`:`port`; SipError 488 when the offer has no
    audio we speak."""
    audio = offer.audio()
    if audio is None:
        raise SipError("the offer has no audio stream", 488, "Not Acceptable Here")
    if audio.proto not in ("RTP/AVP", "RTP/AVPF"):
        raise SipError(f"the offer's audio is {audio.proto}, not RTP/AVP (SRTP is not spoken)",
                       488, "Not Acceptable Here")  # fmt: skip
    chosen = next((p for p in audio.formats if (audio.encoding(p) or "").upper() in STATIC), None)
    if chosen is None:
        raise SipError("the offer has neither PCMU nor PCMA", 488, "Not Acceptable Here")
    codec = (audio.encoding(chosen) or "").upper()
    dtmf = next(
        (p for p in audio.formats
         if (audio.encoding(p) or "").lower() == "telephone-event"
         and audio.rtpmap.get(p, ("", 8000))[1] == 8000),
        None,
    )  # fmt: skip
    remote_address = audio.address or offer.address or ""
    on_hold = audio.direction in ("sendonly", "inactive") or remote_address == "0.0.0.0"
    ours = {"sendonly": "recvonly", "inactive": "inactive", "recvonly": "sendonly"}
    direction = ours.get(audio.direction, "sendrecv")
    formats = [chosen, *([dtmf] if dtmf is not None else [])]
    lines = [
        "v=0",
        f"o=sce {session} {session} IN IP4 {address}",
        "s=sce",
        f"c=IN IP4 {address}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(str(f) for f in formats)}",
        f"a=rtpmap:{chosen} {codec}/8000",
        *([f"a=rtpmap:{dtmf} telephone-event/8000", f"a=fmtp:{dtmf} 0-16"] if dtmf is not None else []),
        "a=ptime:20",
        f"a={direction}",
    ]  # fmt: skip
    return Answer(
        codec, chosen, dtmf, (remote_address, audio.port), on_hold, "\r\n".join(lines) + "\r\n"
    )
