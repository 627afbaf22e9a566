"""The phone platform's side of the webhooks, for tests: form posts signed the way Twilio signs
them (the official `twilio` validator's algorithm), sent through Flask's test client or over
real HTTP, and the TwiML answers parsed into elements a test can look at."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

import requests
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

TWILIO_TOKEN = "test-auth-token-0123456789abcdef"
API_TOKEN = "test-api-token"
ACCOUNT = "AC" + "0" * 32

_sids = itertools.count(1)


def new_sid() -> str:
    return f"CA{next(_sids):032x}"


def sign(url: str, form: Mapping[str, str], token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, dict(form))


@dataclass
class Answer:
    """A webhook's answer: HTTP status and, for TwiML, the parsed <Response>."""

    status: int
    text: str
    root: ET.Element | None = None
    #: The X-Served-By header: which server process answered.
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

    def next_url(self, verb: str = "Gather") -> str:
        """The action URL of the answer's wait (Gather, Record, Dial, Enqueue)."""
        element = self.find(verb)
        assert element is not None, f"no <{verb}> in {self.text}"
        return element.attrib["action"]


def parse(status: int, text: str) -> Answer:
    root = ET.fromstring(text) if text.lstrip().startswith("<?xml") else None
    return Answer(status, text, root)


@dataclass
class Phone:
    """Calls from one number to one server: `base` is the server's URL root as the platform
    sees it (http://localhost/ for the test client)."""

    client: FlaskClient | None = None
    base: str = "http://localhost/"
    token: str = TWILIO_TOKEN
    caller: str = "+15551230000"
    called: str = "+15550100000"
    session: requests.Session = field(default_factory=requests.Session)

    def post(self, url: str, form: Mapping[str, str], *, signature: str | None = None) -> Answer:
        full = urljoin(self.base, url)
        headers = {"X-Twilio-Signature": signature or sign(full, form, self.token)}
        if self.client is not None:
            r = self.client.post(full, data=dict(form), headers=headers)
            return parse(r.status_code, r.get_data(as_text=True))
        response = self.session.post(full, data=dict(form), headers=headers, timeout=30)
        answer = parse(response.status_code, response.text)
        answer.served_by = response.headers.get("X-Served-By", "")
        return answer

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
        redirect = answer.find("Redirect")
        assert redirect is not None and redirect.text, answer.text
        return self.post(redirect.text, self.form(sid))

    def hang_up(self, sid: str) -> Answer:
        return self.post("voice/status", self.form(sid, CallStatus="completed"))
