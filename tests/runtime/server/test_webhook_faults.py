"""What goes wrong between a phone platform and the webhooks (runtime/server/voice.py), and what
the platform gets: retried and late webhooks get the answer already given, never a second step;
garbled requests a 4xx and no change to the call; a caller who hangs up ends the call (a
voicemail still saved); a store that goes away, an answer lost, a business system too slow: the
flow's error policy in valid TwiML, within the webhook's time. After each fault, the call goes
on from where it was."""

from __future__ import annotations

import io
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

import pytest
import redis
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, run_wsgi_app

from runtime import events as ev
from runtime.config import RuntimeConfig
from runtime.server.app import create_app
from runtime.server.service import Service
from runtime.session import FINISHING
from runtime.simulator import HttpStub, parse_moment
from tests.redis_server import redis_server
from tests.runtime.bank_server import Bank, start_bank, stop_bank
from tests.runtime.server.fixtures import open_service
from tests.runtime.server.phone import FORM, Answer, Phone, new_sid, sign

BALANCE = "Your balance is 12.5 USD."
SORRY = "Sorry, we cannot look that up right now. Let me find someone to help you."


#: Seconds after which Twilio gives up on a webhook.
TWILIO_GIVES_UP = 15


def at_menu(phone: Phone) -> tuple[str, Answer]:
    sid, answer = phone.call("balance")
    assert answer.status == 200 and answer.find("Gather") is not None
    return sid, answer


# -- retried and late webhooks ---------------------------------------------------------------------


def test_a_retried_answer_gets_the_same_twiml_and_runs_once(phone: Phone, service: Service) -> None:
    sid, menu = at_menu(phone)
    first = phone.press(sid, menu, "1")
    again = phone.press(sid, menu, "1")
    assert again.text == first.text and first.said[0] == BALANCE
    assert len(service.calls.effects.fetched) == 1  # type: ignore[attr-defined]
    assert len(service.calls.effects.sms.sent) == 1  # type: ignore[attr-defined]


def test_a_retried_call_start_gets_the_same_welcome(phone: Phone, service: Service) -> None:
    sid, first = phone.call("balance")
    session = service.calls.get(sid)
    _, again = phone.call("balance", sid)
    assert again.text == first.text
    assert service.calls.get(sid) is session  # not started twice


def test_a_late_answer_to_a_wait_the_call_left_gets_the_current_one(
    phone: Phone, service: Service
) -> None:
    sid, menu = at_menu(phone)
    repeated = phone.press(sid, menu, "*")  # the menu again, a new wait
    session = service.calls.get(sid)
    late = phone.silence(sid, menu)  # the first gather's timeout, delivered late
    assert late.text == repeated.text
    assert service.calls.get(sid) is session
    assert phone.press(sid, repeated, "1").said[0] == BALANCE


def test_an_answer_of_another_kind_than_the_wait_changes_nothing(
    phone: Phone, service: Service
) -> None:
    sid, menu = at_menu(phone)
    before = service.calls.get(sid)
    url = menu.next_url().replace("/gather?", "/record?")  # a recording for a menu
    form = phone.form(sid, RecordingUrl="https://rec.example/1.wav", RecordingDuration="3")
    assert phone.post(url, form).text == menu.text
    after = service.calls.get(sid)
    assert before is not None and after is not None
    assert (after.state, after.asked, after.vars) == (before.state, before.asked, before.vars)
    assert phone.press(sid, menu, "1").said[0] == BALANCE


def test_an_unknown_call_hears_the_flows_apology_not_silence(phone: Phone) -> None:
    """A call whose session is gone (lost with the store's data, or expired) may still have a
    caller on the line: the flow's error policy answers, words first."""
    answer = phone.post("voice/balance/gather?asked=1", phone.form(new_sid(), Digits="1"))
    assert answer.status == 200 and answer.said
    assert answer.verbs[-1] in ("Hangup", "Dial", "Enqueue")


def test_a_call_of_another_flow_is_refused_on_this_flows_urls(
    phone: Phone, service: Service
) -> None:
    """A hotline call's CallSid on balance's URLs moves nothing: 404, the call as it was."""
    sid, menu = phone.call("hotline")
    before = service.calls.get(sid)
    for url in [
        menu.next_url().replace("/voice/hotline/", "/voice/balance/"),
        "voice/balance/timeout?asked=1",
        "voice/balance/status",
        "voice/balance",
    ]:
        answer = phone.post(url, phone.form(sid, Digits="1", CallStatus="completed"))
        assert answer.status == 404, url
        assert f"call {sid} is a call of flow 'hotline', not of 'balance'" in answer.text
    assert service.calls.get(sid) == before
    assert phone.press(sid, menu, "1").said[0].startswith("We are open from nine")


def test_a_call_to_a_flow_not_deployed_is_told_sorry(phone: Phone) -> None:
    _, answer = phone.call("no_such_flow")
    assert answer.status == 200 and answer.verbs == ["Say", "Hangup"]
    assert answer.said == [
        "Sorry, we cannot continue this call right now. Please call again later. Goodbye."
    ]


def test_a_finished_call_repeats_its_goodbye_to_a_retry_and_hangs_up_on_the_rest(
    phone: Phone, service: Service
) -> None:
    sid, menu = at_menu(phone)
    goodbye = phone.press(sid, menu, "1")
    assert phone.press(sid, menu, "1").text == goodbye.text
    stray = phone.post("voice/balance/transfer?asked=7", phone.form(sid, QueueResult="bridged"))
    assert stray.verbs == ["Hangup"]
    assert len(service.calls.effects.fetched) == 1  # type: ignore[attr-defined]


# -- garbled requests --------------------------------------------------------------------------


def signed_raw(phone: Phone, app: Flask, url: str, body: bytes, content_type: str) -> Answer:
    """`body` as sent, signed over the form as the server's framework reads it (a platform
    with a broken encoder signs what it meant, and that is what the server sees)."""
    full = urljoin(phone.base, url)
    with app.test_request_context(full, method="POST", data=body, content_type=content_type):
        form = request.form.to_dict()
    return phone.post_raw(url, body, signature=sign(full, form), content_type=content_type)


#: (what, URL or "" for the menu's own, body with SID for the call id, content type, status)
GARBLED = [
    ("no CallSid", "", b"Digits=1", FORM, 400),
    ("a CallSid no platform writes", "", b"CallSid=CA1%3B+DROP&Digits=1", FORM, 400),
    ("no asked", "voice/balance/gather", b"CallSid=SID&Digits=1", FORM, 400),
    ("asked not a number", "voice/balance/gather?asked=1x", b"CallSid=SID&Digits=1", FORM, 400),
    ("asked negative", "voice/balance/gather?asked=-1", b"CallSid=SID&Digits=1", FORM, 400),
    ("asked in other digits", "voice/balance/gather?asked=%D9%A1", b"CallSid=SID", FORM, 400),
    ("JSON", "", b'{"CallSid": "SID", "Digits": "1"}', "application/json", 415),
    ("multipart", "", b"CallSid=SID&Digits=1", "multipart/form-data; boundary=x", 415),
    ("a broken escape", "", b"CallSid=SID&Digits=%Z1", FORM, 400),
    ("half a character", "", b"CallSid=SID&SpeechResult=%E4%BD", FORM, 400),
    ("bytes not encoded", "", "CallSid=SID&SpeechResult=余额".encode(), FORM, 400),
    ("over 64 KiB", "", b"CallSid=SID&SpeechResult=" + b"a" * 70_000, FORM, 413),
]


@pytest.mark.parametrize(
    ("url", "body", "content_type", "status"),
    [case[1:] for case in GARBLED],
    ids=[case[0] for case in GARBLED],
)
def test_a_garbled_request_is_refused_and_the_call_goes_on(
    phone: Phone,
    service: Service,
    app: Flask,
    url: str,
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    sid, menu = at_menu(phone)
    before = service.calls.get(sid)
    body = body.replace(b"SID", sid.encode())
    answer = signed_raw(phone, app, url or menu.next_url(), body, content_type)
    assert answer.status == status and answer.root is None
    assert service.calls.get(sid) is before
    assert phone.press(sid, menu, "1").said[0] == BALANCE


@pytest.mark.parametrize(
    "path", ["voice/balance/dance", "voice/balance/", "voice/", "voice/balance/gather/1"]
)
def test_a_post_to_no_webhook_gets_404_and_the_call_goes_on(
    phone: Phone, service: Service, path: str
) -> None:
    sid, menu = at_menu(phone)
    before = service.calls.get(sid)
    answer = phone.post(f"{path}?asked=1", phone.form(sid, Digits="1"))
    assert answer.status == 404 and answer.root is None
    assert service.calls.get(sid) is before


def test_a_path_a_server_decoded_against_the_wsgi_rule_still_reaches_the_webhooks(
    app: Flask,
) -> None:
    """PEP 3333 has the path as bytes in latin-1; a server that decoded UTF-8 itself (a flow
    named in Chinese) still gets the webhooks' answer, not an error."""
    environ = EnvironBuilder(path="/voice/x", method="GET").get_environ()
    environ["PATH_INFO"] = "/voice/菜单"
    _, status, headers = run_wsgi_app(app, environ, buffered=True)
    assert status.startswith("405") and headers["Allow"] == "POST"  # theirs: POSTs only


def test_a_webhook_is_only_ever_posted(client: FlaskClient) -> None:
    response = client.get("/voice/balance")
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


# -- the caller hangs up -------------------------------------------------------------------------


def test_a_caller_who_hangs_up_at_a_menu_ends_the_call(phone: Phone, service: Service) -> None:
    sid, menu = at_menu(phone)
    ringing = phone.post("voice/balance/status", phone.form(sid, CallStatus="in-progress"))
    assert ringing.status == 200 and service.calls.get(sid).active  # type: ignore[union-attr]
    answer = phone.hang_up("balance", sid)
    assert answer.status == 200 and answer.verbs == []
    session = service.calls.get(sid)
    assert session is not None and not session.active and session.state == "main"
    assert phone.press(sid, menu, "1").verbs == ["Hangup"]  # a key pressed as they hung up
    assert service.calls.effects.fetched == []  # type: ignore[attr-defined]


def sunday_night_voicemail(phone: Phone, service: Service) -> tuple[str, Answer]:
    epoch = parse_moment("2026-11-22T20:00:00+08:00").timestamp()  # the office is closed
    service.calls.clock = lambda: epoch
    sid, answer = phone.call("after_hours")
    assert answer.find("Record") is not None
    return sid, answer


@pytest.mark.parametrize("first", ["status callback", "recording"])
def test_a_voicemail_ended_by_hanging_up_is_still_saved(
    phone: Phone, service: Service, first: str
) -> None:
    sid, answer = sunday_night_voicemail(phone, service)
    url = "https://api.twilio.com/recordings/RE9"
    if first == "status callback":
        phone.hang_up("after_hours", sid)
        session = service.calls.get(sid)
        assert session is not None and session.status == FINISHING  # the message is to come
    done = phone.record(sid, answer, url, 9, ended_by="hangup")
    phone.hang_up("after_hours", sid)
    (fetch,) = service.calls.effects.fetched  # type: ignore[attr-defined]
    assert fetch.url == "https://callbacks.bank.example/voicemails"
    assert fetch.body["recording"] == url
    assert done.status == 200 and done.verbs[-1] == "Hangup"
    session = service.calls.get(sid)
    assert session is not None and not session.active
    assert phone.record(sid, answer, url, 9, ended_by="hangup").text == done.text  # a retry
    assert len(service.calls.effects.fetched) == 1  # type: ignore[attr-defined]


# -- errors inside --------------------------------------------------------------------------------


def test_a_store_that_goes_away_gets_the_flows_error_policy_and_a_log_line(
    server_config: RuntimeConfig, flows_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with redis_server() as url:
        svc = open_service(replace(server_config, store=url), flows_dir)
        phone = Phone(create_app(service=svc).test_client())
        sid, menu = at_menu(phone)
    # Redis is stopped: the call's state cannot be read, the flow's policy is known anyway.
    with caplog.at_level(logging.ERROR, logger="sce.voice"):
        answer = phone.press(sid, menu, "1")
    svc.close()
    assert answer.status == 200
    assert answer.said == [SORRY] and answer.verbs == ["Say", "Enqueue"]
    assert answer.find("Enqueue").text == "general"  # type: ignore[union-attr]
    assert any(sid in r.getMessage() for r in caplog.records)


def test_a_store_that_stops_answering_still_gets_the_caller_an_answer_in_time(
    server_config: RuntimeConfig, flows_dir: Path
) -> None:
    """Redis hangs (paused, not refused): the webhook still answers the flow's policy before
    the platform's 15 s are up."""
    with redis_server() as url:
        svc = open_service(replace(server_config, store=url), flows_dir)
        phone = Phone(create_app(service=svc).test_client())
        sid, menu = at_menu(phone)
        pid = int(redis.Redis.from_url(url).info("server")["process_id"])
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            answer = phone.press(sid, menu, "1")
            elapsed = time.monotonic() - started
        finally:
            os.kill(pid, signal.SIGCONT)
        svc.close()
    assert answer.status == 200 and answer.said == [SORRY]
    assert elapsed < TWILIO_GIVES_UP


def test_a_store_that_goes_away_keeps_a_queued_caller_in_the_music(
    server_config: RuntimeConfig, flows_dir: Path
) -> None:
    with redis_server() as url:
        svc = open_service(replace(server_config, store=url), flows_dir)
        phone = Phone(create_app(service=svc).test_client())
        sid, answer = phone.call("agent_queue")
        queued = phone.press(sid, phone.press(sid, answer, "0"), "1")
        wait_url = queued.find("Enqueue").attrib["waitUrl"]  # type: ignore[union-attr]
    answer = phone.waiting(sid, wait_url, queue_time=30)
    svc.close()
    assert answer.status == 200 and answer.verbs == ["Play", "Redirect"]
    assert answer.redirect == wait_url  # asked again when the music ends


def test_an_answer_lost_with_the_worker_that_made_it_gets_the_error_policy(
    phone: Phone, service: Service
) -> None:
    service.calls.budget = 0.2  # how long a late request waits for the answer to appear
    sid, menu = at_menu(phone)
    # A worker applied the caller's key, then died before remembering its answer.
    service.calls.send(sid, ev.Digits("0", time.time(), asked=1))
    retry = phone.press(sid, menu, "0")
    assert retry.status == 200 and retry.said == [SORRY]


# -- a business system too slow, a retry racing the first request -------------------------------


@pytest.fixture
def slow_bank() -> Iterator[Bank]:
    """A business system of its own: its /slow answers when the test releases it."""
    bank = start_bank()
    yield bank
    stop_bank(bank)


@pytest.fixture
def slow_service(
    server_config: RuntimeConfig, flows_dir: Path, slow_bank: Bank, tmp_path: Path
) -> Iterator[Service]:
    """A server allowed to call the slow bank, whose balance line looks the balance up there
    with a 10 s timeout."""
    config = replace(server_config, http_allow=(f"127.0.0.1:{slow_bank.port}",))
    svc = open_service(config, flows_dir)
    text = (flows_dir / "balance.flow").read_text(encoding="utf-8")
    text = text.replace(
        "https://core.bank.example/accounts/{caller}/balance", slow_bank.url("/slow")
    )
    path = tmp_path / "balance.flow"
    path.write_text(text.replace("timeout = 3", "timeout = 10"), encoding="utf-8")
    assert svc.registry.deploy_path(path).ok
    yield svc
    svc.close()


def test_a_business_system_too_slow_is_given_up_within_the_webhook_budget(
    slow_service: Service, slow_bank: Bank
) -> None:
    slow_service.calls.budget = 1.0
    phone = Phone(create_app(service=slow_service).test_client())
    sid, menu = at_menu(phone)
    answer = phone.press(sid, menu, "1")
    assert answer.status == 200 and answer.said == [SORRY]  # the flow's error exit
    (fetch,) = slow_service.calls.effects.fetched  # type: ignore[attr-defined]
    assert fetch.timeout <= 1.0  # the node asked for 10 s: the webhook had 1 s at most
    assert slow_bank.seen("/slow")  # asked, it just did not answer in time


def test_a_retry_arriving_while_the_first_request_runs_waits_for_its_answer(
    slow_service: Service, slow_bank: Bank
) -> None:
    app = create_app(service=slow_service)
    sid, menu = at_menu(Phone(app.test_client()))
    answers: dict[str, Answer] = {}

    def press(name: str) -> None:
        answers[name] = Phone(app.test_client()).press(sid, menu, "1")

    first = threading.Thread(target=press, args=("first",))
    first.start()
    while not slow_bank.seen("/slow"):  # the first request is fetching the balance
        time.sleep(0.01)
    retry = threading.Thread(target=press, args=("retry",))
    retry.start()
    retry.join(0.3)
    assert retry.is_alive()  # it waits for the first one, which waits for the bank
    slow_bank.release.set()
    first.join()
    retry.join()
    assert answers["retry"].text == answers["first"].text
    assert len(slow_bank.seen("/slow")) == 1


def test_a_retry_that_reaches_another_worker_gets_the_same_answer(
    server_config: RuntimeConfig, flows_dir: Path, redis_clean: str
) -> None:
    config = replace(server_config, store=redis_clean)
    one, two = open_service(config, flows_dir), open_service(config, flows_dir)
    try:
        sid, menu = at_menu(Phone(create_app(service=one).test_client()))
        first = Phone(create_app(service=one).test_client()).press(sid, menu, "1")
        again = Phone(create_app(service=two).test_client()).press(sid, menu, "1")
        assert again.text == first.text and first.said[0] == BALANCE
        effects = [one.calls.effects, two.calls.effects]
        assert sum(len(e.fetched) for e in effects) == 1  # type: ignore[attr-defined]
    finally:
        one.close()
        two.close()


def test_a_control_character_from_a_business_system_never_breaks_the_twiml(
    phone: Phone, service: Service
) -> None:
    odd = {"balance": {"amount": 12.5, "currency": "US\vD\ud800"}}
    service.calls.effects.stubs.insert(0, HttpStub("GET https://core.bank.example/*", json=odd))  # type: ignore[attr-defined]
    sid, menu = at_menu(phone)
    answer = phone.press(sid, menu, "1")
    assert answer.status == 200 and answer.root is not None  # parsed: well-formed XML
    assert answer.said[0] == "Your balance is 12.5 USD."


def test_a_chunked_body_over_the_limit_is_refused_not_cut_short(
    phone: Phone, service: Service, client: FlaskClient
) -> None:
    """Sent without a length (chunked, as a proxy may forward it), an oversized body would be
    cut at the limit and read as a shorter form: it is refused whole."""
    sid, menu = at_menu(phone)
    before = service.calls.get(sid)
    body = f"CallSid={sid}&Digits=1&SpeechResult=".encode() + b"a" * 70_000
    response = client.post(
        menu.next_url(),
        input_stream=io.BytesIO(body),
        content_type=FORM,
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert service.calls.get(sid) is before
