"""The phone platform's side of the webhooks, for tests: form posts signed the way Twilio signs
them (the official `twilio` validator's algorithm), sent through Flask's test client or over
real HTTP, and the TwiML answers parsed into elements a test can look at.

    phone = Phone(client)
    sid, answer = phone.call("balance")          # POST /voice/balance
    answer.said                                   # ['Welcome to Example Bank.', 'For your ...']
    answer = phone.press(sid, answer, "1")        # to the <Gather>'s action URL
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

TWILIO_TOKEN = "test-auth-token-0123456789abcdef"
API_TOKEN = "test-api-token"
ACCOUNT = "AC" + "0" * 32
FORM = "application/x-www-form-urlencoded"
SERVED_BY = "X-Served-By"

_sids = itertools.count(1)


def new_sid() -> str:
    return f"CA{next(_sids):032x}"


def sign(url: str, form: Mapping[str, str], token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, dict(form))


@dataclass
class Answer:
    """A webhook's answer: HTTP status and, for TwiML, the parsed <Response>; `served_by` is
    the worker that answered (the server's X-Served-By header)."""

    status: int
    text: str
    root: ET.Element | None = None
    served_by: str = ""

    @property
    def verbs(self) -> list[str]:
        return [child.tag for child in self.root] if self.root is not None else []

    def find(self, path: str) -> ET.Element | None:
        return self.root.find(path) if self.root is not None else None

    def all(self, path: str) -> list[ET.Element]:
        return self.root.findall(path) if self.root is not None else []

    @property
    def said(self) -> list[str]:
        """Every <Say> text, nested ones (inside a Gather) included, in order."""
        return [e.text or "" for e in self.root.iter("Say")] if self.root is not None else []

    @property
    def played(self) -> list[str]:
        """Every <Play> URL, nested ones included, in order."""
        return [e.text or "" for e in self.root.iter("Play")] if self.root is not None else []

    def next_url(self, verb: str = "Gather") -> str:
        """The action URL of the answer's wait (Gather, Record, Dial, Enqueue)."""
        element = self.find(verb)
        assert element is not None, f"no <{verb}> in {self.text}"
        return element.attrib["action"]

    @property
    def redirect(self) -> str:
        """Where the platform goes when the answer's verbs are done (its <Redirect>)."""
        element = self.find("Redirect")
        assert element is not None and element.text, f"no <Redirect> in {self.text}"
        return element.text


def parse(status: int, text: str, served_by: str = "") -> Answer:
    root = ET.fromstring(text) if text.lstrip().startswith("<?xml") else None
    return Answer(status, text, root, served_by)


@dataclass
class Phone:
    """Calls from one number to one server: `base` is the server's URL root as the platform
    sees it (http://localhost/ for the test client)."""

    client: FlaskClient | None = None
    base: str = "http://localhost/"
    token: str = TWILIO_TOKEN
    caller: str = "+15551230000"
    called: str = "+15550100000"

    def post(
        self,
        url: str,
        form: Mapping[str, str],
        *,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Post `form` to `url` (relative to `base`), signed unless `signature` is given."""
        full = urljoin(self.base, url)
        sent = {"X-Twilio-Signature": signature or sign(full, form, self.token), **(headers or {})}
        if self.client is not None:
            r = self.client.post(full, data=dict(form), headers=sent)
            return parse(r.status_code, r.get_data(as_text=True), r.headers.get(SERVED_BY, ""))
        # A connection of its own, as the platform's requests come: any worker may answer.
        response = requests.post(full, data=dict(form), headers=sent, timeout=30)
        return parse(response.status_code, response.text, response.headers.get(SERVED_BY, ""))

    def post_raw(
        self, url: str, body: bytes, *, signature: str, content_type: str = FORM
    ) -> Answer:
        """Post `body` exactly as given (the test client only)."""
        assert self.client is not None
        headers = {"X-Twilio-Signature": signature, "Content-Type": content_type}
        r = self.client.post(urljoin(self.base, url), data=body, headers=headers)
        return parse(r.status_code, r.get_data(as_text=True))

    def form(self, sid: str, **more: str) -> dict[str, str]:
        return {
            "CallSid": sid,
            "AccountSid": ACCOUNT,
            "From": self.caller,
            "To": self.called,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **more,
        }

    def call(self, flow: str, sid: str | None = None) -> tuple[str, Answer]:
        sid = sid or new_sid()
        return sid, self.post(f"voice/{flow}", self.form(sid, CallStatus="ringing"))

    def press(self, sid: str, answer: Answer, digits: str) -> Answer:
        return self.post(answer.next_url(), self.form(sid, Digits=digits))

    def say(self, sid: str, answer: Answer, text: str, confidence: str = "0.9") -> Answer:
        return self.post(
            answer.next_url(), self.form(sid, SpeechResult=text, Confidence=confidence)
        )

    def silence(self, sid: str, answer: Answer) -> Answer:
        """The gather heard nothing: Twilio follows the <Redirect> after it."""
        return self.post(answer.redirect, self.form(sid))

    def record(
        self, sid: str, answer: Answer, url: str, seconds: int, *, ended_by: str = "#"
    ) -> Answer:
        """A recording made: its action request (`ended_by` "hangup" when the caller hung up
        to end it)."""
        form = self.form(sid, RecordingUrl=url, RecordingDuration=str(seconds), Digits=ended_by)
        return self.post(answer.next_url("Record"), form)

    def dialled(self, sid: str, answer: Answer, status: str) -> Answer:
        """The <Dial> ended with DialCallStatus `status`."""
        return self.post(answer.next_url("Dial"), self.form(sid, DialCallStatus=status))

    def dequeued(self, sid: str, answer: Answer, result: str, queue_time: int = 30) -> Answer:
        """The call left the queue with QueueResult `result` (the Enqueue's action request)."""
        form = self.form(sid, QueueResult=result, QueueTime=str(queue_time))
        return self.post(answer.next_url("Enqueue"), form)

    def waiting(
        self, sid: str, url: str, queue_time: int, average: int = 0, position: int = 1
    ) -> Answer:
        """A request of the queue's wait URL, as Twilio makes it while the caller waits."""
        form = self.form(
            sid,
            QueueSid="QU" + "1" * 32,
            QueueTime=str(queue_time),
            AvgQueueTime=str(average),
            QueuePosition=str(position),
            CurrentQueueSize=str(position),
        )
        return self.post(url, form)

    def hang_up(self, flow: str, sid: str) -> Answer:
        """The status callback of a call that ended."""
        return self.post(f"voice/{flow}/status", self.form(sid, CallStatus="completed"))
