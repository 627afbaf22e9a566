"""The runtime's effects: code that runs the engine's `Fetch` and `SendSms` actions against the
outside world and answers with the events the engine waits for. The engine stays pure; this is
where the clock, the network and the phone company come in."""

from runtime.effects.http import HttpClient, run_fetch, save_values
from runtime.effects.sms import LogSmsSender, SmsSender, TwilioSmsSender, sms_sender_from

__all__ = [
    "HttpClient",
    "LogSmsSender",
    "SmsSender",
    "TwilioSmsSender",
    "run_fetch",
    "save_values",
    "sms_sender_from",
]
