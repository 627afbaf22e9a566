"""Text messages for `sms` nodes: a `SendSms` becomes an `SmsResult`.

Two senders share one small protocol. The log sender is the embedded default: it needs no
account, writes each message to the `sce.sms` logger and keeps the latest ones so the simulator
can show what a caller would have received. The Twilio sender sends through Twilio's REST API
with the official client. Neither raises: a failed message is an `SmsResult` with `ok=False` and
an error, so the flow can go on (an SMS is a courtesy, not a reason to drop a call).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from runtime.actions import SendSms
from runtime.config import RuntimeConfig
from runtime.events import SmsResult

LOGGER = "sce.sms"


#: A phone number in E.164 form: a plus, a country code and at most 15 digits in all.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def number_problem(to: str) -> str | None:
    """Why `to` cannot receive an SMS, or None. Only E.164 numbers (+15551230000) pass: a
    number is often filled in from the caller id, and a channel prefix (whatsapp:), a short
    code or a line break there must not reach the SMS provider or the log."""
    if not to.strip():
        return "no phone number to send the SMS to"
    if not _E164.fullmatch(to):
        shown = to.encode("unicode_escape").decode("ascii")[:40]
        return f"'{shown}' is not a phone number in E.164 form (like +15551230000)"
    return None


class SmsSender(Protocol):
    """Anything that can send a flow's text message and say how it went."""

    def send(self, action: SendSms, now: float) -> SmsResult:
        """Send `action.message` to `action.to`; the result is stamped with `now`."""
        ...


@dataclass(frozen=True, slots=True)
class SentSms:
    """A message the log sender "sent", as the simulator shows it."""

    node: str
    to: str
    message: str
    time: float


class LogSmsSender:
    """Writes messages to a log instead of a phone network: for development, the simulator, and
    any installation without an SMS account. Safe to share between threads."""

    def __init__(self, keep: int = 100, logger: logging.Logger | None = None) -> None:
        """`keep` is how many of the latest messages `sent` remembers."""
        self._sent: deque[SentSms] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._logger = logger or logging.getLogger(LOGGER)

    def send(self, action: SendSms, now: float) -> SmsResult:
        problem = number_problem(action.to)
        if problem is not None:
            return SmsResult(time=now, ok=False, error=problem)
        # One line per message, whatever the message holds, so the log stays greppable.
        text = action.message.replace("\r", "\\r").replace("\n", "\\n")
        self._logger.info("SMS to %s from node %s: %s", action.to, action.node, text)
        with self._lock:
            self._sent.append(SentSms(action.node, action.to, action.message, now))
        return SmsResult(time=now, ok=True)

    @property
    def sent(self) -> list[SentSms]:
        """The latest messages, oldest first."""
        with self._lock:
            return list(self._sent)


class TwilioSmsSender:
    """Sends through Twilio's Messages API. `base_url` replaces Twilio's API address, for a
    TwiML-compatible provider or a proxy that speaks the same API."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_: str,
        *,
        base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.from_ = from_
        self.timeout = timeout
        # A fresh requests session per message: the client is shared by every call's thread, and
        # a requests session is not documented as thread-safe. SMS volume makes pooling moot.
        http_client = TwilioHttpClient(pool_connections=False, timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=http_client)
        if base_url:
            self._client.api.base_url = base_url.rstrip("/")

    def send(self, action: SendSms, now: float) -> SmsResult:
        problem = number_problem(action.to)
        if problem is not None:
            return SmsResult(time=now, ok=False, error=problem)
        try:
            self._client.messages.create(to=action.to, from_=self.from_, body=action.message)
        except TwilioRestException as e:
            code = f" (error {e.code})" if e.code else ""
            return SmsResult(
                time=now, ok=False, error=f"Twilio refused the SMS: {e.msg}{code}, HTTP {e.status}"
            )
        except requests.Timeout:
            return SmsResult(
                time=now, ok=False, error=f"Twilio did not answer within {self.timeout:g} s"
            )
        except requests.ConnectionError as e:
            return SmsResult(time=now, ok=False, error=f"could not reach Twilio: {_reason(e)}")
        except (TwilioException, requests.RequestException, ValueError) as e:
            return SmsResult(time=now, ok=False, error=f"sending the SMS failed: {e}")
        return SmsResult(time=now, ok=True)


def sms_sender_from(config: RuntimeConfig) -> SmsSender:
    """Twilio when its account, token and sender number are all set; otherwise the log."""
    if config.twilio_account_sid and config.twilio_auth_token and config.sms_from:
        return TwilioSmsSender(config.twilio_account_sid, config.twilio_auth_token, config.sms_from)
    return LogSmsSender()


def _reason(error: requests.ConnectionError) -> str:
    """The innermost cause, without urllib3's nested wrappers."""
    cause: BaseException = error
    while cause.__context__ is not None:
        cause = cause.__context__
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    return str(cause) or type(cause).__name__
