"""The runtime's effects: code that runs the engine's `Fetch` and `SendSms` actions against the
outside world and answers with the events the engine waits for. The engine stays pure; this is
where the clock, the network and the phone company come in."""

from __future__ import annotations

from runtime.actions import Fetch, SendSms
from runtime.config import RuntimeConfig
from runtime.effects.http import HttpClient
from runtime.effects.sms import LogSmsSender, SmsSender, TwilioSmsSender, sms_sender_from
from runtime.events import HttpResult, SmsResult

__all__ = [
    "HttpClient",
    "LiveEffects",
    "LogSmsSender",
    "SmsSender",
    "TwilioSmsSender",
    "sms_sender_from",
]


class LiveEffects:
    """The real outside world for `runtime.calls.Calls`: data dips under the `http-allow`
    settings, and SMS through Twilio when it is configured, else to the log."""

    def __init__(
        self,
        config: RuntimeConfig,
        *,
        http: HttpClient | None = None,
        sms: SmsSender | None = None,
    ) -> None:
        self.http = http or HttpClient(config)
        self.sms = sms or sms_sender_from(config)

    def fetch(self, action: Fetch, now: float) -> HttpResult:
        return self.http.fetch(action, now)

    def send_sms(self, action: SendSms, now: float) -> SmsResult:
        return self.sms.send(action, now)
