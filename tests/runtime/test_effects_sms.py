"""Text messages: the log sender, and the Twilio sender talking to a real local HTTP server.

The Twilio sender runs the official `twilio` library end to end (its client, its request
building, its requests-based HTTP client); only the API address is the local server's, set
through the sender's `base_url`, the same setting a Twilio-compatible provider would use.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from runtime.actions import SendSms
from runtime.calls import Calls
from runtime.config import RuntimeConfig
from runtime.effects import LiveEffects, LogSmsSender, TwilioSmsSender, sms_sender_from
from runtime.registry import Registry
from runtime.store.memory import MemoryDeployBackend, MemorySessionStore
from tests.runtime.flows import loaded

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "secret-token"
FROM = "+15005550006"


@dataclass
class TwilioApi:
    """A local server in the place of Twilio's API: records each request, answers as told."""

    server: ThreadingHTTPServer
    received: list[dict[str, object]] = field(default_factory=list)
    answer: tuple[int, dict[str, object]] = (201, {})
    delay: float = 0
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="module")
def twilio_api() -> Iterator[TwilioApi]:
    api = TwilioApi(server=None)  # type: ignore[arg-type]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            scheme, _, credentials = (self.headers.get("Authorization") or "").partition(" ")
            api.received.append(
                {
                    "path": self.path,
                    "form": {key: values[0] for key, values in form.items()},
                    "auth": (scheme, base64.b64decode(credentials).decode()),
                    "content_type": self.headers.get("Content-Type"),
                }
            )
            if api.delay:
                api.release.wait(api.delay)
            status, body = api.answer
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the timeout test's client leaves before the answer

    api.server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=api.server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    yield api
    api.release.set()
    api.server.shutdown()
    api.server.server_close()


@pytest.fixture
def twilio(twilio_api: TwilioApi) -> TwilioApi:
    twilio_api.received.clear()
    twilio_api.answer = (201, {"sid": "SM" + "1" * 32, "status": "queued", "to": "+8613800000000"})
    twilio_api.delay = 0
    return twilio_api


def message(text: str = "您的余额是1234.50元。", to: str = "+8613800000000") -> SendSms:
    return SendSms(node="send_balance", to=to, message=text)


# --- the log sender --------------------------------------------------------------------------


def test_the_log_sender_writes_one_line_per_message(caplog: pytest.LogCaptureFixture) -> None:
    sender = LogSmsSender()
    with caplog.at_level(logging.INFO, logger="sce.sms"):
        result = sender.send(message("Balance: 12.50\nThank you.\r\n谢谢"), now=50.0)
    assert (result.ok, result.error, result.time) == (True, None, 50.0)
    [record] = [r for r in caplog.records if r.name == "sce.sms"]
    line = record.getMessage()
    assert "\n" not in line and "\r" not in line
    assert line == (
        "SMS to +8613800000000 from node send_balance: Balance: 12.50\\nThank you.\\r\\n谢谢"
    )


def test_the_log_sender_keeps_the_latest_messages_for_the_simulator() -> None:
    sender = LogSmsSender(keep=3)
    for n in range(5):
        sender.send(message(f"message {n}"), now=float(n))
    assert [(sms.message, sms.time) for sms in sender.sent] == [
        ("message 2", 2.0),
        ("message 3", 3.0),
        ("message 4", 4.0),
    ]
    assert sender.sent[0].to == "+8613800000000" and sender.sent[0].node == "send_balance"


def test_the_log_sender_can_be_shared_between_calls() -> None:
    sender = LogSmsSender(keep=1000)

    def call(n: int) -> None:
        for i in range(50):
            sender.send(message(f"{n}-{i}"), now=0.0)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sms.message for sms in sender.sent) == sorted(
        f"{n}-{i}" for n in range(4) for i in range(50)
    )


def test_a_message_without_a_number_is_not_sent() -> None:
    sender = LogSmsSender()
    result = sender.send(message(to=" "), now=1.0)
    assert (result.ok, result.error) == (False, "no phone number to send the SMS to")
    assert sender.sent == []


# --- the Twilio sender -----------------------------------------------------------------------


def test_twilio_receives_the_message_with_basic_auth(twilio: TwilioApi) -> None:
    sender = TwilioSmsSender(SID, TOKEN, FROM, base_url=twilio.url)
    result = sender.send(message(), now=60.0)
    assert (result.ok, result.error, result.time) == (True, None, 60.0)
    [request] = twilio.received
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {
        "To": "+8613800000000",
        "From": FROM,
        "Body": "您的余额是1234.50元。",
    }
    assert request["auth"] == ("Basic", f"{SID}:{TOKEN}")


def test_a_message_twilio_refuses_is_a_failed_result(twilio: TwilioApi) -> None:
    twilio.answer = (
        400,
        {
            "code": 21211,
            "message": "The 'To' number +15005550001 is not a valid phone number.",
            "status": 400,
        },
    )
    sender = TwilioSmsSender(SID, TOKEN, FROM, base_url=twilio.url)
    result = sender.send(message(to="+15005550001"), 1.0)
    assert result.ok is False
    assert result.error == (
        "Twilio refused the SMS: Unable to create record: The 'To' number +15005550001 is not a"
        " valid phone number. (error 21211), HTTP 400"
    )


@pytest.mark.parametrize("to", ["123", "whatsapp:+15551230000", "+1555\nforged log line", "1900"])
def test_only_phone_numbers_are_sent_to(twilio: TwilioApi, to: str) -> None:
    """A number filled in from the caller id can be anything: only E.164 numbers go out."""
    before = len(twilio.received)
    for sender in (TwilioSmsSender(SID, TOKEN, FROM, base_url=twilio.url), LogSmsSender()):
        result = sender.send(message(to=to), 1.0)
        assert result.ok is False and "E.164" in str(result.error)
    assert len(twilio.received) == before


def test_twilio_not_answering_in_time_is_a_failed_result(twilio: TwilioApi) -> None:
    twilio.delay = 5
    sender = TwilioSmsSender(SID, TOKEN, FROM, base_url=twilio.url, timeout=0.3)
    started = time.monotonic()
    result = sender.send(message(), now=1.0)
    assert (result.ok, result.error) == (False, "Twilio did not answer within 0.3 s")
    assert time.monotonic() - started < 3 * 0.3


def test_twilio_unreachable_is_a_failed_result() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sender = TwilioSmsSender(SID, TOKEN, FROM, base_url=f"http://127.0.0.1:{port}")
    result = sender.send(message(), now=1.0)
    assert (result.ok, result.error) == (False, "could not reach Twilio: connection refused")


def test_twilio_is_not_asked_to_send_to_no_number(twilio: TwilioApi) -> None:
    result = TwilioSmsSender(SID, TOKEN, FROM, base_url=twilio.url).send(message(to=""), 1.0)
    assert (result.ok, result.error) == (False, "no phone number to send the SMS to")
    assert twilio.received == []


# --- choosing a sender from the settings -----------------------------------------------------


def test_twilio_is_used_when_account_token_and_number_are_set() -> None:
    config = RuntimeConfig(twilio_account_sid=SID, twilio_auth_token=TOKEN, sms_from=FROM)
    sender = sms_sender_from(config)
    assert isinstance(sender, TwilioSmsSender) and sender.from_ == FROM


@pytest.mark.parametrize("missing", ["twilio_account_sid", "twilio_auth_token", "sms_from"])
def test_the_log_sender_is_used_when_a_twilio_setting_is_missing(missing: str) -> None:
    settings = {"twilio_account_sid": SID, "twilio_auth_token": TOKEN, "sms_from": FROM}
    settings[missing] = None
    assert isinstance(sms_sender_from(RuntimeConfig(**settings)), LogSmsSender)


def test_a_slow_sms_service_never_keeps_a_webhook_past_its_budget(twilio: TwilioApi) -> None:
    """A call sends an SMS while the platform waits for the webhook's answer: with 0.8 s of
    budget left, a service that takes 5 s is given up on, and the call goes on."""
    flow = {
        "flow": "texter",
        "languages": ["en-US"],
        "start": "text",
        "nodes": {
            "text": {"type": "sms", "message": {"en-US": "Hi."}, "next": "bye", "error": "bye"},
            "bye": {"type": "hangup", "prompt": {"text": {"en-US": "Goodbye."}}},
        },
    }
    registry = Registry(MemoryDeployBackend())
    assert registry.deploy(loaded(flow)).ok
    sender = TwilioSmsSender(SID, TOKEN, FROM, base_url=twilio.url)
    effects = LiveEffects(RuntimeConfig(), sms=sender)
    calls = Calls(registry, MemorySessionStore(), effects, budget=0.8)
    twilio.delay = 5
    started = time.monotonic()
    turn = calls.start("texter", "CA1", caller="+8613800000000", called="+1800")
    assert time.monotonic() - started < twilio.delay, "the caller did not wait for the SMS"
    (result,) = turn.results
    assert not result.ok and "did not answer within" in str(result.error)  # type: ignore[union-attr]
    assert turn.ended and "Goodbye." in [a.text for a in turn.actions if hasattr(a, "text")]
