"""Only the phone platform drives calls: every webhook carries `X-Twilio-Signature`, checked with
the official validator (runtime/server/signature.py); anything else gets 403 and touches no
call. Behind a proxy, the URL the platform signed is the one it called, not the one the server
was asked for."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from runtime.errors import RuntimeFault
from runtime.server.app import create_app
from runtime.server.gunicorn import Options, check
from runtime.server.service import Service
from runtime.server.webhook import parse_form
from tests.cli import run
from tests.runtime.server.fixtures import open_service
from tests.runtime.server.phone import Answer, Phone, new_sid, sign


def at_menu(phone: Phone) -> tuple[str, Answer]:
    sid, answer = phone.call("balance")
    assert answer.status == 200
    return sid, answer


def test_a_call_signed_with_another_token_is_refused_and_never_started(
    phone: Phone, service: Service
) -> None:
    sid = new_sid()
    form = phone.form(sid)
    answer = phone.post(
        "voice/balance", form, signature=sign("http://localhost/voice/balance", form, "not-ours")
    )
    assert answer.status == 403 and answer.root is None
    assert service.calls.get(sid) is None


@pytest.mark.parametrize("fault", ["wrong token", "tampered form", "tampered query", "no header"])
def test_a_bad_signature_on_an_answer_leaves_the_call_where_it_was(
    phone: Phone, service: Service, client: FlaskClient, fault: str
) -> None:
    sid, menu = at_menu(phone)
    before = service.calls.get(sid)
    url = menu.next_url()
    form = phone.form(sid, Digits="1")
    if fault == "wrong token":
        answer = phone.post(url, form, signature=sign(url, form, "not-ours"))
    elif fault == "tampered form":  # signed for 0, sent with 1
        answer = phone.post(url, form, signature=sign(url, {**form, "Digits": "0"}))
    elif fault == "tampered query":  # signed for another wait of the call
        answer = phone.post(url, form, signature=sign(url.replace("asked=1", "asked=2"), form))
    else:
        answer = Answer(client.post(url, data=form).status_code, "")
    assert answer.status == 403
    assert service.calls.get(sid) == before
    assert phone.press(sid, menu, "1").said[0] == "Your balance is 12.5 USD."


def test_the_url_is_checked_as_the_platform_sent_it_escapes_and_all(
    phone: Phone, service: Service
) -> None:
    """A number's webhook URL may carry its own query (here `campaign=spring/2026`, escaped):
    the platform signs it escaped, as it sent it."""
    sid = new_sid()
    answer = phone.post("voice/balance?campaign=spring%2F2026", phone.form(sid))
    assert answer.status == 200 and answer.said[0] == "Welcome to Example Bank."
    assert service.calls.get(sid) is not None


def test_a_signature_is_checked_before_the_form_is_judged(phone: Phone) -> None:
    """Whoever cannot sign learns nothing about what the server would take."""
    answer = phone.post_raw("voice/balance", b"CallSid=%ZZ", signature="forged")
    assert answer.status == 403


def test_without_an_auth_token_every_webhook_is_refused(
    server_config: RuntimeConfig, flows_dir: Path
) -> None:
    svc = open_service(replace(server_config, twilio_auth_token=None), flows_dir)
    try:
        _, answer = Phone(create_app(service=svc).test_client()).call("balance")
        assert answer.status == 403
    finally:
        svc.close()


def test_signatures_turned_off_are_loud_in_the_log_health_and_metrics(
    server_config: RuntimeConfig, flows_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    svc = open_service(replace(server_config, verify_signatures=False), flows_dir)
    try:
        with caplog.at_level(logging.WARNING, logger="sce.server"):
            client = create_app(service=svc).test_client()
        assert "signature checks are off" in caplog.text
        health = client.get("/healthz").json
        assert health["ok"] is True and health["signatures"] is False
        assert any("signature checks are off" in w for w in health["warnings"])

        def unverified() -> float:
            text = client.get("/metrics").get_data(as_text=True)
            found = re.search(r"^sce_webhooks_unverified_total (\S+)$", text, re.M)
            return float(found.group(1)) if found else 0.0

        before = unverified()
        r = client.post("/voice/balance", data={"CallSid": new_sid(), "From": "+15551230000"})
        assert r.status_code == 200 and b"Welcome to Example Bank." in r.data
        assert unverified() == before + 1
    finally:
        svc.close()


def test_a_server_with_signatures_on_says_so(client: FlaskClient) -> None:
    health = client.get("/healthz").json
    assert (health["signatures"], health["warnings"]) == (True, [])


def test_signatures_off_beyond_loopback_is_refused_unless_insecure_dev(
    server_config: RuntimeConfig,
) -> None:
    off = replace(server_config, verify_signatures=False)
    for host in ("127.0.0.1", "::1", "localhost"):
        check(off, Options(host=host))  # a laptop: allowed
    with pytest.raises(RuntimeFault, match="not a loopback address.*--insecure-dev"):
        check(off, Options(host="0.0.0.0"))
    check(off, Options(host="0.0.0.0", insecure_dev=True))
    check(server_config, Options(host="0.0.0.0"))  # checks on: any address


def test_sce_serve_refuses_to_listen_openly_without_signature_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCE_VERIFY_SIGNATURES", "false")
    result = run("serve", "--host", "0.0.0.0", "--flows", tmp_path)
    assert result.exit_code == 2, result.output
    assert "signature checks are off" in result.stderr
    assert "--insecure-dev" in result.stderr


# -- behind a proxy ------------------------------------------------------------------------------

PUBLIC = "https://ivr.example.com/"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "ivr.example.com"}


@pytest.fixture
def proxied(server_config: RuntimeConfig, flows_dir: Path) -> Iterator[Phone]:
    """A server behind a TLS-terminating proxy that sets X-Forwarded-Proto/-Host, with
    `trust_forwarded`: the platform calls https://ivr.example.com/, the app is asked for
    http://localhost/."""
    svc = open_service(replace(server_config, trust_forwarded=True), flows_dir)
    yield Phone(create_app(service=svc).test_client())
    svc.close()


def through_proxy(phone: Phone, path: str, form: dict[str, str]) -> Answer:
    """Signed for the public URL, delivered to the app's own address with the proxy's headers."""
    return phone.post(
        "http://localhost/" + path, form, signature=sign(PUBLIC + path, form), headers=FORWARDED
    )


def test_behind_a_trusted_proxy_the_public_url_is_signed_and_answered(proxied: Phone) -> None:
    sid = new_sid()
    answer = through_proxy(proxied, "voice/balance", proxied.form(sid))
    assert answer.status == 200
    assert answer.next_url() == "https://ivr.example.com/voice/balance/gather?asked=1"
    assert answer.redirect == "https://ivr.example.com/voice/balance/timeout?asked=1"
    answer = through_proxy(proxied, "voice/balance/gather?asked=1", proxied.form(sid, Digits="1"))
    assert answer.said[0] == "Your balance is 12.5 USD."


def test_a_request_signed_for_the_public_url_without_the_proxys_headers_is_refused(
    proxied: Phone,
) -> None:
    form = proxied.form(new_sid())
    answer = proxied.post("voice/balance", form, signature=sign(PUBLIC + "voice/balance", form))
    assert answer.status == 403


def test_forwarded_headers_are_not_believed_unless_trusted(phone: Phone, service: Service) -> None:
    sid = new_sid()
    answer = through_proxy(phone, "voice/balance", phone.form(sid))
    assert answer.status == 403
    assert service.calls.get(sid) is None


# -- the URL the platform called ------------------------------------------------------------------


def test_the_answers_urls_name_the_port_only_when_it_is_not_the_default(
    client: FlaskClient,
) -> None:
    answer = Phone(client, base="https://ivr.example.com:443/").call("balance")[1]
    assert answer.status == 200
    assert answer.next_url() == "https://ivr.example.com/voice/balance/gather?asked=1"
    answer = Phone(client, base="http://localhost:8080/").call("balance")[1]
    assert answer.next_url() == "http://localhost:8080/voice/balance/gather?asked=1"


def delivered(client: FlaskClient, url: str, environ: dict[str, str]) -> Answer:
    """A call's first webhook signed for `url`, as the server hands it over in `environ`."""
    form = Phone().form(new_sid())
    r = client.post(
        url, data=form, headers={"X-Twilio-Signature": sign(url, form)}, environ_overrides=environ
    )
    return Answer(r.status_code, r.get_data(as_text=True))


def test_a_request_without_a_host_header_is_checked_against_the_servers_own_name(
    client: FlaskClient,
) -> None:
    """An HTTP/1.0 request may name no host: the server's name and port stand for it."""
    answer = delivered(client, "http://localhost:8080/voice/balance", {"HTTP_HOST": ""})
    assert answer.status == 200 and "Welcome to Example Bank." in answer.text


def test_without_a_host_header_an_ipv6_server_is_named_in_brackets(client: FlaskClient) -> None:
    server = {"HTTP_HOST": "", "SERVER_NAME": "::1", "SERVER_PORT": "8000"}
    answer = delivered(client, "http://[::1]:8000/voice/balance", server)
    assert answer.status == 200
    assert 'action="http://[::1]:8000/voice/balance/gather?asked=1"' in answer.text


@pytest.mark.parametrize("host", ["localhost:abc", "localhost:99999", "[::1", "a b"])
def test_a_host_header_that_names_no_host_is_refused_and_starts_no_call(
    client: FlaskClient, service: Service, server_config: RuntimeConfig, flows_dir: Path, host: str
) -> None:
    """Refused as unsigned (no platform sends that), or as malformed when signatures are off:
    never an internal error."""
    sid = new_sid()
    r = client.post("/voice/balance", data=Phone().form(sid), headers={"Host": host})
    assert r.status_code == 403 and service.calls.get(sid) is None
    svc = open_service(replace(server_config, verify_signatures=False), flows_dir)
    try:
        r = (
            create_app(service=svc)
            .test_client()
            .post("/voice/balance", data=Phone().form(sid), headers={"Host": host})
        )
        assert r.status_code == 400 and b"Host" in r.data
        assert svc.calls.get(sid) is None
    finally:
        svc.close()


def test_mounted_under_a_prefix_ending_in_a_slash_the_urls_have_one(client: FlaskClient) -> None:
    """A server told its mount point is `/ivr/` leaves the slash out of the path it gives."""
    mounted = {"SCRIPT_NAME": "/ivr/", "PATH_INFO": "voice/balance"}
    answer = delivered(client, "http://localhost/ivr/voice/balance", mounted)
    assert answer.status == 200
    assert 'action="http://localhost/ivr/voice/balance/gather?asked=1"' in answer.text


# -- what a form must look like -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"", b"CallSid=CA1&Digits=1%23", b"SpeechResult=%E4%BD%99%E9%A2%9D+please", b"a&b=&=c"],
)
def test_forms_the_platform_writes_are_well_formed(body: bytes) -> None:
    assert parse_form(body) is not None


@pytest.mark.parametrize(
    "body",
    [
        b"CallSid=CA1&Digits=%ZZ",  # not an escape
        b"CallSid=CA1&Digits=%4",  # half an escape
        b"SpeechResult=%E4%BD",  # half a character
        b"From=%FF%FE",  # not UTF-8
        "SpeechResult=余额".encode(),  # not percent-encoded
    ],
)
def test_garbled_forms_are_not(body: bytes) -> None:
    assert parse_form(body) is None
