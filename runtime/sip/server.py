"""The SIP side of the runtime: a user agent server on UDP that answers calls with the flows.

What a PBX or a trunk sends and what it gets (RFC 3261, with RFC 3264 offers, RFC 3515 REFER,
RFC 4028 session timers, RFC 6086 INFO):

- INVITE `sip:FLOW@host`: 100 Trying, then (the flow's first turn run) 200 OK with our SDP
  answer, sent again at T1, 2·T1 ... until the ACK comes; 404 for a flow that is not deployed,
  488 for an offer we cannot speak, 503 while the runtime drains, 483 at Max-Forwards 0.
- CANCEL before the 200: 200 for the CANCEL, 487 for the INVITE. BYE: 200, the call ends.
- A re-INVITE or UPDATE: hold and resume, a new address; a session refresh.
- INFO with `application/dtmf-relay` or `application/dtmf`: a key, for phones without RFC 4733.
- OPTIONS: 200 with what we allow (what Kamailio's dispatcher pings us with).
- NOTIFY of a REFER we sent: how the transfer goes.
- A retransmitted request gets the answer it got before; a request in no dialog we know gets
  481; REGISTER and the other methods we do not serve get 405, unknown ones 501; a datagram that
  is not SIP is dropped (and counted), one whose headers can be read gets 400 naming the fault.

Transactions are kept in memory by branch, for 32 s (64·T1), as the RFC says. Responses go
back to where the request came from (the `rport` behaviour of RFC 3581, which is what keeps
phones behind NAT working).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from runtime.calls import Calls
from runtime.errors import RuntimeFault, SipError
from runtime.session import Session
from runtime.sip import message as sipmsg
from runtime.sip import sdp
from runtime.sip.audio import PromptAudio
from runtime.sip.call import SipCall
from runtime.sip.media import Pacer, RtpStream
from runtime.sip.message import Message

log = logging.getLogger("sce.sip")

T1 = 0.5
T2 = 4.0
#: How long a transaction is remembered, and how long a 2xx waits for its ACK (64·T1).
TRANSACTION_LIFE = 64 * T1
#: A call whose caller sent no RTP for this long (and is not on hold) is ended: the phone is
#: gone without a BYE (a crash, a lost network).
RTP_TIMEOUT = 60.0
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY"
#: Methods RFC 3261 and its extensions define, which we do not serve here (405, not 501).
KNOWN = {"REGISTER", "SUBSCRIBE", "MESSAGE", "PRACK", "PUBLISH"}
SERVER = "sce-runtime"
_USER = re.compile(r"^sips?:([^@;?>]+)@", re.IGNORECASE)
_URI = re.compile(r"<([^>]+)>")
_SIGNAL = re.compile(r"^\s*signal\s*=\s*(\S)", re.IGNORECASE | re.MULTILINE)


def flow_of(uri: str) -> str | None:
    """The flow a request URI names: its user part (`sip:main@host` → `main`)."""
    found = _USER.match(uri)
    return found.group(1) if found else None


def uri_in(value: str) -> str:
    """The URI of a From, To or Contact value (`"A" <sip:a@h>;tag=1` → `sip:a@h`)."""
    found = _URI.search(value)
    return found.group(1) if found else value.split(";")[0].strip()


def new_tag() -> str:
    return f"{random.getrandbits(64):016x}"


@dataclass
class Dialog:
    """One call's dialog (RFC 3261 section 12) as its UAS: what our own requests carry."""

    server: SipServer
    call_id: str
    invite: Message
    addr: tuple[str, int]
    local_tag: str = field(default_factory=new_tag)
    cseq: int = 0
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    answered: bool = False
    ended: bool = False
    call: SipCall | None = None
    #: Seconds between the caller's session refreshes (RFC 4028), when it asked for them.
    session_expires: float | None = None
    refreshed: float = field(default_factory=time.monotonic)
    ended_at: float | None = None
    sdp_version: int = 1

    @property
    def remote_target(self) -> str:
        return uri_in(self.invite.get("Contact") or self.invite.get("From") or "")

    def request(self, method: str, headers: list[tuple[str, str]], body: bytes = b"") -> Message:
        """A request of ours in this dialog: From and To swapped, the route the INVITE set."""
        self.cseq += 1
        host, port = self.server.address
        branch = f"z9hG4bK{new_tag()}"
        to = self.invite.get("To") or ""
        if ";tag=" not in to.lower():
            to = f"{to};tag={self.local_tag}"
        routes = [("Route", r) for r in self.invite.all("Record-Route")]
        base = [
            ("Via", f"SIP/2.0/UDP {host}:{port};branch={branch};rport"),
            ("Max-Forwards", "70"),
            ("From", to),
            ("To", self.invite.get("From") or ""),
            ("Call-ID", self.call_id),
            ("CSeq", f"{self.cseq} {method}"),
            *routes,
            ("Contact", f"<sip:{host}:{port}>"),
            ("User-Agent", SERVER),
        ]
        return Message(method=method, uri=self.remote_target, headers=base + headers, body=body)

    async def bye(self) -> None:
        """Hang up (once): the call is over for the caller."""
        if self.ended:
            return
        self.ended = True
        if self.answered:
            await self.server.send_request(self.request("BYE", []), self.addr)
        self.server.ended(self)

    def target_of(self, number: str) -> str:
        """Where a transfer goes: a SIP URI as written, else that number (or queue) at the
        host the call came from (the PBX routes it)."""
        if number.lower().startswith(("sip:", "sips:")):
            return number
        host = self.addr[0]
        host = f"[{host}]" if ":" in host else host
        return f"sip:{number}@{host}:{self.addr[1]}"

    async def refer(self, target: str) -> int:
        """Send a REFER to `target`; its final status (202 when the PBX takes it)."""
        refer = self.request(
            "REFER",
            [
                ("Refer-To", f"<{target}>"),
                ("Referred-By", f"<{uri_in(self.invite.get('To') or '')}>"),
            ],
        )
        answer = await self.server.send_request(refer, self.addr)
        return 408 if answer is None else int(answer.status or 500)


class SipServer(asyncio.DatagramProtocol):
    """The adapter: SIP over UDP on one address, calls through `calls`."""

    def __init__(
        self,
        calls: Calls,
        audio: PromptAudio,
        executor: Executor,
        *,
        recordings: Path,
        is_flow: Callable[[str], bool],
        draining: Callable[[], bool] = lambda: False,
        measure: bool = False,
    ) -> None:
        self.calls = calls
        self.audio = audio
        self.executor = executor
        self.recordings = recordings
        self.is_flow = is_flow
        self.draining = draining
        self.measure = measure
        self.transport: asyncio.DatagramTransport | None = None
        self.address: tuple[str, int] = ("127.0.0.1", 0)
        self.dialogs: dict[str, Dialog] = {}
        self.pacer: Pacer | None = None
        #: (branch, method) → the last response sent and when, for retransmissions.
        self._answered: dict[tuple[str, str], tuple[bytes, float]] = {}
        #: (Call-ID, CSeq) → the response our request waits for.
        self._waiting: dict[tuple[str, str], asyncio.Future[Message]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._housekeeping: asyncio.Task[None] | None = None
        self.counts: dict[str, int] = {"started": 0, "answered": 0, "malformed": 0}
        self.on_response: Callable[[str, int], None] = lambda method, status: None
        self.on_call: Callable[[str, int], None] = lambda outcome, active: None
        self.on_started: Callable[[Session], None] = lambda session: None
        self.on_finished: Callable[[Session], None] = lambda session: None

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.pacer = Pacer(loop, measure=self.measure)
        await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        assert self.transport is not None
        self.address = self.transport.get_extra_info("sockname")[:2]
        self._housekeeping = loop.create_task(self._keep_house())

    async def close(self) -> None:
        for dialog in list(self.dialogs.values()):
            if dialog.call is not None:
                dialog.call.hang_up("the runtime stopped")
            await dialog.bye()
        if self._housekeeping is not None:
            self._housekeeping.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.transport is not None:
            self.transport.close()

    @property
    def active(self) -> int:
        return sum(1 for d in self.dialogs.values() if not d.ended)

    # -- the wire -----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A datagram transport, though asyncio's own does not say so by its class (3.11).
        self.transport = cast(asyncio.DatagramTransport, transport)

    def error_received(self, exc: Exception) -> None:
        log.debug("SIP: %s", exc)

    def send(self, message: Message, addr: tuple[str, int]) -> bytes:
        data = message.to_bytes()
        if self.transport is not None:
            self.transport.sendto(data, addr)
        return data

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not data.strip():
            return  # a keep-alive (RFC 5626's CRLF)
        try:
            msg = sipmsg.parse(data)
        except SipError as e:
            self.counts["malformed"] += 1
            partial = e.partial
            if isinstance(partial, Message) and partial.is_request and partial.get("Via"):
                if partial.method != "ACK":
                    self._answer(partial, addr, e.status, e.reason, warning=str(e))
            else:
                log.debug("SIP from %s:%s dropped: %s", addr[0], addr[1], e)
            return
        try:
            if msg.is_request:
                self._request(msg, addr)
            else:
                self._response(msg)
        except Exception:  # one bad message must never take the adapter down
            log.exception("SIP: a %s from %s was not handled", msg.method or msg.status, addr)
            if msg.is_request and msg.method != "ACK":
                self._answer(msg, addr, 500, "Server Internal Error")

    def _answer(
        self,
        request: Message,
        addr: tuple[str, int],
        status: int,
        reason: str,
        *,
        to_tag: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        warning: str | None = None,
    ) -> None:
        extra = list(headers or [])
        if warning:
            text = warning.replace('"', "'")[:200]
            extra.append(("Warning", f'399 {self.address[0]} "{text}"'))
        extra.append(("Server", SERVER))
        if body:
            extra.append(("Content-Type", "application/sdp"))
        reply = sipmsg.response(
            request, status, reason, to_tag=to_tag or new_tag(), headers=extra, body=body
        )
        data = self.send(reply, addr)
        branch = _branch(request)
        if branch:
            self._answered[(branch, request.method or "")] = (data, time.monotonic())
        self.on_response(request.method or "", status)

    # -- requests -----------------------------------------------------------------------------

    def _request(self, msg: Message, addr: tuple[str, int]) -> None:
        method = msg.method or ""
        if method != "ACK":
            seen = self._answered.get((_branch(msg), method))
            if seen is not None:
                if self.transport is not None:
                    self.transport.sendto(seen[0], addr)  # a retransmission: the same answer
                return
        dialog = self.dialogs.get(msg.call_id)
        if method == "ACK":
            if dialog is not None:
                dialog.acked.set()
            return
        if method == "CANCEL":
            self._cancel(msg, addr, dialog)
            return
        max_forwards = msg.get("Max-Forwards")
        if max_forwards is not None and max_forwards.strip() == "0":
            self._answer(msg, addr, 483, "Too Many Hops")
            return
        in_dialog = msg.tag("To") is not None
        if method == "OPTIONS":
            accept = [("Allow", ALLOW), ("Accept", "application/sdp"), ("Supported", "timer")]
            self._answer(msg, addr, 200, "OK", headers=accept)
        elif method == "INVITE" and not in_dialog:
            if dialog is not None:
                return  # the same call's INVITE on another branch: being answered already
            self._spawn(self._invite(msg, addr))
        elif not in_dialog and method not in ("INVITE",):
            if method in KNOWN:
                self._answer(msg, addr, 405, "Method Not Allowed", headers=[("Allow", ALLOW)])
            elif method in ("BYE", "INFO", "UPDATE", "NOTIFY", "REFER"):
                self._answer(msg, addr, 481, "Call/Transaction Does Not Exist")
            else:
                self._answer(msg, addr, 501, "Not Implemented", headers=[("Allow", ALLOW)])
        elif dialog is None or dialog.ended or msg.tag("To") != dialog.local_tag:
            self._answer(msg, addr, 481, "Call/Transaction Does Not Exist")
        else:
            self._in_dialog(msg, addr, dialog)

    def _in_dialog(self, msg: Message, addr: tuple[str, int], dialog: Dialog) -> None:
        method = msg.method
        tag = dialog.local_tag
        call = dialog.call
        if method == "BYE":
            self._answer(msg, addr, 200, "OK", to_tag=tag)
            dialog.ended = True
            if call is not None:
                call.hang_up("bye")
            self.ended(dialog)
        elif method in ("INVITE", "UPDATE"):
            dialog.refreshed = time.monotonic()
            if not msg.body:
                self._answer(msg, addr, 200, "OK", to_tag=tag, headers=self._timer_headers(msg))
                return
            try:
                agreed = self._agree(msg, call.media.port if call and call.media else 0)
            except SipError as e:
                self._answer(msg, addr, e.status, e.reason, to_tag=tag, warning=str(e))
                return
            if call is not None and call.media is not None:
                call.media.update(agreed)
            self._answer(
                msg, addr, 200, "OK", to_tag=tag, body=agreed.sdp.encode(),
                headers=[("Contact", self._contact()), *self._timer_headers(msg)],
            )  # fmt: skip
        elif method == "INFO":
            key = _info_key(msg)
            self._answer(msg, addr, 200, "OK", to_tag=tag)
            if key and call is not None:
                call.key(key)
        elif method == "NOTIFY":
            self._answer(msg, addr, 200, "OK", to_tag=tag)
            status = _sipfrag_status(msg.body)
            if status and call is not None and call.transferring is not None:
                call.transferring.progress.put_nowait(status)
        elif method == "OPTIONS":
            self._answer(msg, addr, 200, "OK", to_tag=tag, headers=[("Allow", ALLOW)])
        elif method in KNOWN or method == "REFER":
            self._answer(
                msg, addr, 405, "Method Not Allowed", to_tag=tag, headers=[("Allow", ALLOW)]
            )
        else:
            self._answer(msg, addr, 501, "Not Implemented", to_tag=tag, headers=[("Allow", ALLOW)])

    def _cancel(self, msg: Message, addr: tuple[str, int], dialog: Dialog | None) -> None:
        """CANCEL of an INVITE (the same branch): 487 for it if not answered yet."""
        if dialog is None or _branch(dialog.invite) != _branch(msg):
            self._answer(msg, addr, 481, "Call/Transaction Does Not Exist")
            return
        self._answer(msg, addr, 200, "OK", to_tag=dialog.local_tag)
        if dialog.answered or dialog.ended:
            return  # too late: the call is up (the caller sends BYE)
        dialog.ended = True
        self._answer(dialog.invite, dialog.addr, 487, "Request Terminated", to_tag=dialog.local_tag)
        if dialog.call is not None:
            dialog.call.hang_up("cancel")

    def _contact(self) -> str:
        host, port = self.address
        return f"<sip:{host}:{port}>"

    def _agree(self, msg: Message, port: int) -> sdp.Answer:
        """Our answer to the SDP offer in `msg` with RTP at `port`; SipError as answered."""
        kind = (msg.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/sdp":
            raise SipError(f"the body is {kind or 'untyped'}, not application/sdp",
                           415, "Unsupported Media Type")  # fmt: skip
        try:
            text = msg.body.decode("utf-8")
        except UnicodeDecodeError:
            raise SipError("the SDP is not UTF-8", 488, "Not Acceptable Here") from None
        offer = sdp.parse(text)
        session = int(time.time())
        return sdp.answer(offer, address=self.address[0], port=port, session=session)

    def _timer_headers(self, msg: Message) -> list[tuple[str, str]]:
        """RFC 4028: the caller refreshes at the interval it asked for (we never do)."""
        asked = msg.get("Session-Expires")
        if not asked:
            return []
        seconds = asked.split(";")[0].strip()
        if not seconds.isdigit():
            return []
        dialog = self.dialogs.get(msg.call_id)
        if dialog is not None:
            dialog.session_expires = float(seconds)
        return [("Session-Expires", f"{seconds};refresher=uac"), ("Require", "timer")]

    async def _invite(self, msg: Message, addr: tuple[str, int]) -> None:
        """A new call: answer it with the flow its request URI names."""
        flow = flow_of(msg.uri or "")
        if self.draining():
            self._answer(msg, addr, 503, "Service Unavailable", headers=[("Retry-After", "5")])
            return
        if flow is None or not self.is_flow(flow):
            self._answer(msg, addr, 404, "Not Found", warning=f"no flow {flow!r} is deployed")
            return
        if not msg.body:
            self._answer(msg, addr, 488, "Not Acceptable Here",
                         warning="an INVITE without an SDP offer is not taken")  # fmt: skip
            return
        try:
            self._agree(msg, 0)
        except SipError as e:
            self._answer(msg, addr, e.status, e.reason, warning=str(e))
            return
        dialog = Dialog(self, msg.call_id, msg, addr)
        self.dialogs[msg.call_id] = dialog
        self._answer(msg, addr, 100, "Trying")
        assert self.pacer is not None
        call = SipCall(dialog, self.calls, self.audio, self.executor, self.recordings)
        dialog.call = call
        try:
            agreed = self._agree(msg, 0)
            call.media = await RtpStream.open(self.pacer, agreed, self.address[0], call.key)
            agreed = self._agree(msg, call.media.port)
            caller = uri_in(msg.get("From") or "")
            called = uri_in(msg.get("To") or "")
            params = {"CallSid": msg.call_id, "From": caller, "To": called, "Channel": "sip"}
            timer = self._timer_headers(msg)
            turn = await call.start(flow, caller=caller, called=called, params=params)
            self.on_started(turn.session)
        except RuntimeFault as e:
            log.error("SIP call %s to %s not started: %s", msg.call_id, flow, e)
            if not dialog.ended:
                dialog.ended = True
                self._answer(msg, addr, 500, "Server Internal Error", to_tag=dialog.local_tag,
                             warning=str(e))  # fmt: skip
            self.ended(dialog)
            return
        self.counts["started"] += 1
        if dialog.ended:  # cancelled while the flow started: the engine hears the hangup
            call.hang_up("cancel")
            await self._run(call)
            return
        dialog.answered = True
        headers = [("Contact", self._contact()), ("Allow", ALLOW), ("Supported", "timer"), *timer]
        self._answer(msg, addr, 200, "OK", to_tag=dialog.local_tag, headers=headers,
                     body=agreed.sdp.encode())  # fmt: skip
        self.counts["answered"] += 1
        self.on_call("answered", self.active)
        call.media.start()
        if not await self._acked(dialog, msg, addr):
            call.hang_up("no ACK")
        await self._run(call)

    async def _run(self, call: SipCall) -> None:
        await call.run()
        if not call.dialog.ended:
            await call.dialog.bye()
        self.ended(call.dialog)
        session = call.turn.session if call.turn is not None else None
        log.info(
            "SIP call %s on %s %s: %s (%s)", call.dialog.call_id,
            session.flow if session else "?", session.version[:12] if session else "?",
            call.outcome, " > ".join(call.path),
        )  # fmt: skip
        if call.turn is not None and not call.turn.session.active:
            self.on_finished(call.turn.session)
        self.on_call(call.outcome, self.active)

    async def _acked(self, dialog: Dialog, msg: Message, addr: tuple[str, int]) -> bool:
        """Send the 200 again at T1, 2·T1 ... T2 until the ACK comes (RFC 3261 13.3.1.4)."""
        interval, waited = T1, 0.0
        key = (_branch(msg), "INVITE")
        while waited < TRANSACTION_LIFE:
            try:
                await asyncio.wait_for(dialog.acked.wait(), interval)
                return True
            except TimeoutError:
                waited += interval
                interval = min(interval * 2, T2)
                seen = self._answered.get(key)
                if seen is None or dialog.ended:
                    return dialog.acked.is_set()
                if self.transport is not None:
                    self.transport.sendto(seen[0], addr)
        return False

    def ended(self, dialog: Dialog) -> None:
        """The call is over on the wire: its media stops; it is forgotten a little later (a
        retransmitted BYE still finds its answer in the transactions)."""
        dialog.ended = True
        if dialog.ended_at is None:
            dialog.ended_at = time.monotonic()
        call = dialog.call
        if call is not None and call.media is not None:
            call.media.close()

    def _spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("SIP call failed", exc_info=task.exception())

    # -- our requests -------------------------------------------------------------------------

    async def send_request(self, request: Message, addr: tuple[str, int]) -> Message | None:
        """Send `request` (again at T1, 2·T1 ... T2 over UDP) until its final response;
        None when none comes within 64·T1."""
        key = (request.call_id, request.get("CSeq") or "")
        waiter: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._waiting[key] = waiter
        data = self.send(request, addr)
        interval, waited = T1, 0.0
        try:
            while waited < TRANSACTION_LIFE:
                try:
                    return await asyncio.wait_for(asyncio.shield(waiter), interval)
                except TimeoutError:
                    waited += interval
                    interval = min(interval * 2, T2)
                    if self.transport is not None:
                        self.transport.sendto(data, addr)
            return None
        finally:
            self._waiting.pop(key, None)

    def _response(self, msg: Message) -> None:
        if msg.status is None or msg.status < 200:
            return
        waiter = self._waiting.get((msg.call_id, msg.get("CSeq") or ""))
        if waiter is not None and not waiter.done():
            waiter.set_result(msg)

    # -- housekeeping -------------------------------------------------------------------------

    async def _keep_house(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for key, (_, when) in list(self._answered.items()):
                if now - when > TRANSACTION_LIFE:
                    del self._answered[key]
            for call_id, dialog in list(self.dialogs.items()):
                call = dialog.call
                if dialog.ended:
                    if dialog.ended_at is not None and now - dialog.ended_at > TRANSACTION_LIFE:
                        self.dialogs.pop(call_id, None)
                    continue
                if dialog.session_expires and now - dialog.refreshed > dialog.session_expires:
                    self._expire(dialog, "the session timer ran out")
                media = call.media if call is not None else None
                quiet = media is not None and now - media.last_heard > RTP_TIMEOUT
                if quiet and dialog.answered and media is not None and not media.on_hold:
                    self._expire(dialog, "no RTP from the caller")

    def _expire(self, dialog: Dialog, why: str) -> None:
        log.info("SIP call %s ended: %s", dialog.call_id, why)
        if dialog.call is not None:
            dialog.call.hang_up(why)
        self._spawn(dialog.bye())


def _branch(msg: Message) -> str:
    via = msg.get("Via") or ""
    found = re.search(r";\s*branch=([^;,\s]+)", via, re.IGNORECASE)
    return found.group(1) if found else ""


def _info_key(msg: Message) -> str | None:
    """The key in a SIP INFO: `Signal=5` (application/dtmf-relay) or `5` (application/dtmf)."""
    kind = (msg.get("Content-Type") or "").split(";")[0].strip().lower()
    text = msg.body.decode("utf-8", "replace")
    if kind == "application/dtmf-relay":
        found = _SIGNAL.search(text)
        key = found.group(1) if found else None
    elif kind == "application/dtmf":
        key = text.strip()[:1]
    else:
        return None
    return key.upper() if key and key.upper() in "0123456789*#ABCD" else None


def _sipfrag_status(body: bytes) -> int | None:
    """The status of a REFER's NOTIFY body (message/sipfrag: `SIP/2.0 200 OK`)."""
    found = re.match(rb"\s*SIP/2\.0\s+([1-6]\d\d)", body)
    return int(found.group(1)) if found else None
