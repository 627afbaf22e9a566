"""SIP messages (RFC 3261) as the runtime reads and writes them.

`parse` takes one datagram (or one framed TCP message) and gives a `Message`, or raises
`SipError` with the status the sender should get (400 for a malformed request): no input, however
wrong, raises anything else. Header names are kept in their canonical form, compact forms
(`v`, `i`, `l`...) expanded, folded lines unfolded; the order of headers is kept, since a proxy's
Via order is what a response must follow back. `response` builds the answer to a request the
way RFC 3261 section 8.2.6 says: Via, From, Call-ID and CSeq copied, To with our tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runtime.errors import SipError

#: Largest message taken (a UDP datagram cannot be larger), and most headers in one.
MAX_BYTES = 65_535
MAX_HEADERS = 128
#: What every request must carry (RFC 3261 section 8.1.1).
REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")

COMPACT = {
    "i": "Call-ID",
    "m": "Contact",
    "e": "Content-Encoding",
    "l": "Content-Length",
    "c": "Content-Type",
    "f": "From",
    "s": "Subject",
    "k": "Supported",
    "t": "To",
    "v": "Via",
    "o": "Event",
    "r": "Refer-To",
    "b": "Referred-By",
    "x": "Session-Expires",
    "u": "Allow-Events",
}
#: Names whose usual spelling is not the capitalised words (Call-ID, CSeq, WWW-Authenticate...).
_SPELLED = {
    name.lower(): name
    for name in (
        "Call-ID", "CSeq", "WWW-Authenticate", "RSeq", "RAck", "MIME-Version", "SIP-ETag",
        "SIP-If-Match", "Min-SE",
    )
}  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z0-9.!%*_+`'~-]+")
_REQUEST_LINE = re.compile(r"([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP/2\.0")
_STATUS_LINE = re.compile(r"SIP/2\.0 ([1-6][0-9][0-9]) ?(.*)")


@dataclass
class Message:
    """A request (`method`, `uri`) or a response (`status`, `reason`), its headers in order and
    its body."""

    method: str | None = None
    uri: str | None = None
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def is_request(self) -> bool:
        return self.method is not None

    def get(self, name: str) -> str | None:
        """The first value of header `name` (any spelling, compact forms too)."""
        wanted = canonical(name)
        return next((v for n, v in self.headers if n == wanted), None)

    def all(self, name: str) -> list[str]:
        """Every value of header `name`, comma-separated lists split (outside quotes and <>)."""
        wanted = canonical(name)
        return [part for n, v in self.headers if n == wanted for part in split_list(v)]

    def set(self, name: str, value: str) -> None:
        """Replace every `name` header by one with `value` (added at the end if none)."""
        wanted = canonical(name)
        kept = [(n, v) for n, v in self.headers if n != wanted]
        self.headers = [*kept, (wanted, value)]

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        number, _, method = (self.get("CSeq") or "").partition(" ")
        return int(number), method.strip()

    def tag(self, name: str) -> str | None:
        """The `tag` parameter of From or To."""
        found = re.search(r";\s*tag=([^;>\s]+)", self.get(name) or "", re.IGNORECASE)
        return found.group(1) if found else None

    def to_bytes(self) -> bytes:
        """The message on the wire; Content-Length is the body's."""
        start = (
            f"{self.method} {self.uri} SIP/2.0"
            if self.is_request
            else f"SIP/2.0 {self.status} {self.reason}"
        )
        lines = [start]
        lines += [f"{n}: {v}" for n, v in self.headers if n != "Content-Length"]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


def canonical(name: str) -> str:
    """A header name as it is written: `call-id` and `i` are `Call-ID`, `via` is `Via`."""
    low = name.strip().lower()
    if low in COMPACT:
        return COMPACT[low]
    return _SPELLED.get(low) or "-".join(part.capitalize() for part in low.split("-"))


def split_list(value: str) -> list[str]:
    """`a, "b, c" <sip:x>, d` as its three items: commas inside quotes or <> do not split."""
    items: list[str] = []
    current: list[str] = []
    quoted, angle = False, 0
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            angle += 1
        elif not quoted and ch == ">" and angle:
            angle -= 1
        if ch == "," and not quoted and not angle:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    items.append("".join(current).strip())
    return [i for i in items if i]


def parse(data: bytes) -> Message:
    """The message in `data`; SipError (with the status to answer) when it is not one."""
    if len(data) > MAX_BYTES:
        raise SipError(f"the message is larger than {MAX_BYTES} bytes", 513, "Message Too Large")
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")  # bare LF, which some stacks send
        if not sep:
            raise SipError("the message has no empty line after its headers")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipError("the headers are not UTF-8") from None
    lines = _unfolded(text.replace("\r\n", "\n").split("\n"))
    message = _start_line(lines[0].strip() if lines else "")
    if len(lines) - 1 > MAX_HEADERS:
        raise SipError(f"more than {MAX_HEADERS} headers")
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name.strip()):
            raise SipError(f"a header line is not 'Name: value': {line[:60]!r}")
        message.headers.append((canonical(name), value.strip()))
    try:
        message.body = _body(message, body)
        if message.is_request:
            _check_request(message)
    except SipError as e:
        e.partial = message  # enough of it, perhaps, to answer (a Via to send the 400 to)
        raise
    return message


def _unfolded(lines: list[str]) -> list[str]:
    """Lines with their continuations (a line starting with space or tab) joined to them."""
    out: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t") and out:
            out[-1] += " " + line.strip()
        elif line:
            out.append(line)
    return out


def _start_line(line: str) -> Message:
    request = _REQUEST_LINE.fullmatch(line)
    if request:
        return Message(method=request.group(1).upper(), uri=request.group(2))
    status = _STATUS_LINE.fullmatch(line)
    if status:
        return Message(status=int(status.group(1)), reason=status.group(2).strip())
    raise SipError(f"not a SIP request or status line: {line[:80]!r}")


def _body(message: Message, body: bytes) -> bytes:
    length = message.get("Content-Length")
    if length is None:
        return body
    if not length.strip().isdigit():
        raise SipError(f"Content-Length is not a number: {length[:20]!r}")
    wanted = int(length)
    if wanted > len(body):
        raise SipError(f"the body is shorter ({len(body)} bytes) than Content-Length ({wanted})")
    return body[:wanted]  # what follows in a datagram is not part of the message (RFC 3261 18.3)


def _check_request(message: Message) -> None:
    missing = [name for name in REQUIRED if message.get(name) is None]
    if missing:
        raise SipError(f"the request has no {', '.join(missing)} header")
    number, _, method = (message.get("CSeq") or "").partition(" ")
    if not number.isdigit() or len(number) > 10:
        raise SipError("CSeq does not start with a sequence number")
    if method.strip().upper() != message.method:
        raise SipError(f"CSeq names {method.strip()!r}, the request is {message.method}")


def response(
    request: Message,
    status: int,
    reason: str,
    *,
    to_tag: str | None = None,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Message:
    """The response to `request` (RFC 3261 section 8.2.6): its Vias, From, Call-ID and CSeq,
    its To with `to_tag` added when it has none (not on 100 Trying)."""
    to = request.get("To") or ""
    if to_tag and request.tag("To") is None and status > 100:
        to = f"{to};tag={to_tag}"
    copied = [(n, v) for n, v in request.headers if n == "Via"]
    copied += [("From", request.get("From") or ""), ("To", to)]
    copied += [("Call-ID", request.call_id), ("CSeq", request.get("CSeq") or "")]
    return Message(status=status, reason=reason, headers=[*copied, *(headers or [])], body=body)
