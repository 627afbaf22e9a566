"""The SIP adapter as a caller meets it: a phone on loopback dials the runtime, hears the
prompts as RTP, presses keys, leaves a message, is transferred, holds, hangs up."""

from __future__ import annotations

import itertools
import time
import warnings

import pytest

from runtime.actions import Play
from runtime.sip.message import Message
from tests.runtime.bank_server import Bank
from tests.runtime.sip.conftest import SipWorld
from tests.runtime.sip.phone import Call

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import audioop

WELCOME = "Welcome to the front desk."


def correlation(heard: bytes, sent: bytes) -> float:
    """Normalised correlation of what the phone heard with the prompt's own samples, at the
    best alignment within the first 200 ms (1.0: the same sound)."""
    best = 0.0
    for shift in range(0, 1600, 8):
        part = heard[shift * 2 : shift * 2 + len(sent)]
        n = min(len(part), len(sent)) // 2 * 2
        if n < 1600:
            break
        a, b = part[:n], sent[:n]
        power = (audioop.rms(a, 2) * audioop.rms(b, 2)) or 1
        mean = sum(x * y for x, y in zip(_ints(a), _ints(b), strict=True)) / (n // 2)
        best = max(best, mean / power)
    return best


def _ints(data: bytes) -> memoryview:
    return memoryview(data).cast("h")


def test_a_call_is_answered_and_hears_its_prompts_as_paced_rtp(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    assert phone.provisional(call) == [100]
    assert call.status == 200
    assert call.final is not None
    assert "m=audio" in call.final.body.decode() and "RTP/AVP 0 101" in call.final.body.decode()
    call.wait_audio(1.0)
    call.wait_silence(0.4)  # the welcome, then the menu
    heard = list(call.heard)
    # 20 ms packets: sequence numbers one apart, timestamps 160 apart, sent at the pace of time.
    assert all((b.sequence - a.sequence) % 65536 == 1 for a, b in itertools.pairwise(heard))
    assert {(b.timestamp - a.timestamp) % 2**32 for a, b in itertools.pairwise(heard)} == {160}
    assert heard[0].marker and not any(h.marker for h in heard[1:])
    span = heard[-1].at - heard[0].at
    assert abs(span - 0.02 * (len(heard) - 1)) < 0.1, span
    # What the caller heard is the welcome prompt itself (speech synthesised for its text).
    prompt = sip_world.adapter.server.audio.samples(Play(WELCOME, "en-US"))
    assert correlation(call.samples(), prompt) > 0.9
    call.hangup()


def test_keys_take_the_menu_path_and_the_call_ends_with_a_bye(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(3.0)  # into the menu's prompt
    call.press("1")
    call.wait_bye(20)
    driven = sip_world.call_of(call.call_id)
    assert driven.heard == ["1"]
    assert driven.path == ["welcome", "main", "hours", "goodbye"]
    session = sip_world.service.store.get(call.call_id)
    assert session is not None and not session.active


def test_a_key_stops_the_prompt_at_once(sip_world: SipWorld) -> None:
    """Barge-in: the menu's prompt (5 s of speech) stops on the key; what follows is the
    next prompt, not the rest of the menu."""
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(2.2)  # the welcome and the menu's first words
    pressed = time.monotonic()
    call.press("1", gap=0)
    # The menu prompt's remaining ~4 s are not played: within half a second the audio is
    # silence or the next prompt, and the whole call is over in far less than the menu's length.
    call.wait_bye(15)
    after = [h for h in call.heard if h.at > pressed + 0.1]
    gap = next(h.at for h in after if audioop.rms(h.samples, 2) <= 300) - pressed
    assert gap < 0.4, gap
    full_menu = sip_world.adapter.server.audio.samples(
        Play(
            "For opening hours press one. To leave a message press two. For reception press zero.",
            "en-US",
        )
    )
    assert call.audible() < (len(full_menu) / 16000) + 1.5 + 2.5


def test_no_key_times_out_into_the_exhausted_exit(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_bye(40)
    assert sip_world.call_of(call.call_id).path == ["welcome", "main", "goodbye"]


def test_a_key_by_sip_info_counts_like_rfc_4733(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(2.5)
    answer = call.info("1")
    assert answer is not None and answer.status == 200
    call.wait_bye(20)
    assert sip_world.call_of(call.call_id).path[-2:] == ["hours", "goodbye"]


def test_the_caller_hanging_up_mid_prompt_ends_the_call_and_its_audio(
    sip_world: SipWorld,
) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(0.5)
    answer = call.hangup()
    assert answer is not None and answer.status == 200
    time.sleep(0.3)
    count = len(call.heard)
    time.sleep(0.3)
    assert len(call.heard) == count  # no more RTP
    session = sip_world.service.store.get(call.call_id)
    assert session is not None and not session.active
    assert sip_world.call_of(call.call_id).outcome == "caller hung up"


def test_a_message_is_recorded_as_telephone_audio(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(2.5)
    call.press("2")
    call.wait_silence(0.3)  # "Leave a message after the tone." and the tone
    call.speak(1.5)
    call.wait_bye(20)
    driven = sip_world.call_of(call.call_id)
    assert driven.path == ["welcome", "main", "message", "thanks", "goodbye"]
    files = list(sip_world.recordings.rglob("*.wav"))
    assert len(files) == 1
    from runtime.sip.audio import wav_samples

    samples = wav_samples(files[0].read_bytes())
    # About the 1.5 s spoken (the pipeline trims silence and keeps 120 ms around the sound).
    assert 1.3 < len(samples) / 16000 < 2.0


def test_silence_after_the_tone_takes_the_no_audio_exit(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(2.5)
    call.press("2")
    call.wait_bye(20)
    assert sip_world.call_of(call.call_id).path[-2:] == ["message", "goodbye"]
    assert not list(sip_world.recordings.rglob("*.wav"))


def test_a_transfer_is_a_refer_to_the_number_at_the_pbx(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(2.5)
    call.press("0")
    refer = call.wait_request("REFER")
    assert refer.get("Refer-To") == f"<sip:1000@127.0.0.1:{phone.port}>"
    notify(call, "SIP/2.0 180 Ringing")
    notify(call, "SIP/2.0 200 OK")
    call.wait_bye(10)
    driven = sip_world.call_of(call.call_id)
    assert driven.outcome == "transferred"
    assert driven.path[-1] == "reception"


def test_a_refused_refer_takes_the_failure_exit(sip_world: SipWorld) -> None:
    phone = sip_world.phone(answer_refer=603)
    call = phone.dial("desk")
    call.wait_audio(2.5)
    call.press("0")
    call.wait_bye(20)
    assert sip_world.call_of(call.call_id).path[-2:] == ["reception", "goodbye"]


def notify(call: Call, status_line: str) -> None:
    answer = call.request(
        "NOTIFY",
        [("Event", "refer"), ("Subscription-State", "active"),
         ("Content-Type", "message/sipfrag;version=2.0")],
        status_line.encode(),
    )  # fmt: skip
    assert answer is not None and answer.status == 200


def test_hold_stops_the_audio_and_resume_keeps_the_clock(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(0.5)
    answer = call.hold()
    assert answer is not None and answer.status == 200
    assert "a=recvonly" in answer.body.decode()
    time.sleep(0.2)
    count = len(call.heard)
    time.sleep(0.5)
    assert len(call.heard) == count
    last = call.heard[-1]
    resumed = call.resume()
    assert resumed is not None and "a=sendrecv" in resumed.body.decode()
    time.sleep(0.3)
    first = call.heard[count]
    assert first.marker
    assert first.sequence == (last.sequence + 1) % 65536
    # The timestamp moved on with the time on hold (about 0.5 s = 4000 samples or more).
    assert (first.timestamp - last.timestamp) % 2**32 >= 4000
    call.hangup()


def test_session_timer_is_granted_to_the_caller(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk", headers=[("Supported", "timer"), ("Session-Expires", "90")])
    assert call.final is not None
    assert call.final.get("Session-Expires") == "90;refresher=uac"
    assert call.final.get("Require") == "timer"
    refresh = call.request("UPDATE", [("Session-Expires", "90")])
    assert refresh is not None and refresh.status == 200
    call.hangup()


def test_cancel_before_the_answer_gets_487(sip_world: SipWorld, bank: Bank) -> None:
    bank.release.clear()
    phone = sip_world.phone()
    invite_done: list[Call] = []
    import threading

    ringing = threading.Thread(target=lambda: invite_done.append(phone.dial("slow")))
    ringing.start()
    time.sleep(0.5)  # the flow waits on the business system: no answer yet
    (call,) = phone.calls.values()
    cancel = Message(
        method="CANCEL",
        uri=call.invite.uri,
        headers=[(n, v) for n, v in call.invite.headers if n in ("Via", "From", "To", "Call-ID")]
        + [("CSeq", "1 CANCEL"), ("Max-Forwards", "70")],
    )
    answer = phone.transact(cancel)
    assert answer is not None and answer.status == 200
    bank.release.set()
    ringing.join(15)
    assert invite_done[0].status == 487
    time.sleep(0.5)
    session = sip_world.service.store.get(call.call_id)
    assert session is not None and not session.active


@pytest.mark.parametrize(
    ("method", "status"),
    [("OPTIONS", 200), ("REGISTER", 405), ("SUBSCRIBE", 405), ("FROB", 501), ("BYE", 481)],
)
def test_requests_outside_a_call_get_the_status_rfc_3261_gives(
    sip_world: SipWorld, method: str, status: int
) -> None:
    phone = sip_world.phone()
    host, port = sip_world.address
    request = phone.build(method, f"sip:desk@{host}:{port}", "x-1@test", 1, "t1",
                          to=f"<sip:desk@{host}:{port}>")  # fmt: skip
    answer = phone.transact(request)
    assert answer is not None and answer.status == status
    if method == "OPTIONS":
        assert "INVITE" in (answer.get("Allow") or "")


def test_calls_the_runtime_cannot_take_are_refused_with_a_reason(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    assert phone.dial("nosuchflow").status == 404
    g729 = phone.sdp(formats="18").replace("a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n", "")
    refused = phone.dial("desk", sdp=g729)
    assert refused.status == 488
    assert refused.final is not None and "PCMU" in (refused.final.get("Warning") or "")
    assert phone.dial("desk", headers=[("Max-Forwards", "0")]).status == 483


def test_malformed_datagrams_are_answered_or_dropped_and_calls_go_on(
    sip_world: SipWorld,
) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(0.3)
    host, port = sip_world.address
    for junk in (b"\x00\xff" * 50, b"INVITE sip:x SIP/2.0\r\n\r\n", b"hello\r\n\r\n", b"\r\n\r\n"):
        phone.sip.sendto(junk, sip_world.address)
    # Headers that can be read but lack CSeq: 400, naming what is missing.
    bad = (
        f"INVITE sip:desk@{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{phone.port};branch=z9hG4bKbad1\r\n"
        "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:desk@127.0.0.1>\r\nCall-ID: bad-1\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    phone.sip.sendto(bad, sip_world.address)
    time.sleep(0.3)
    answered = phone.responses.get(("bad-1", ""), [])
    assert [r.status for r in answered] == [400]
    assert "CSeq" in (answered[0].get("Warning") or "")
    assert sip_world.adapter.server.counts["malformed"] >= 3
    # The call in progress never noticed.
    before = len(call.heard)
    time.sleep(0.3)
    assert len(call.heard) >= before + 10
    call.hangup()


def test_a_retransmitted_invite_gets_the_same_answer_and_starts_one_call(
    sip_world: SipWorld,
) -> None:
    phone = sip_world.phone()
    call = phone.dial("desk")
    phone.send(call.invite)  # the same INVITE again, as after a lost 200
    time.sleep(0.3)
    finals = [r for r in phone.responses[(call.call_id, "1 INVITE")] if r.status == 200]
    assert len(finals) == 2 and finals[0].get("To") == finals[1].get("To")
    assert sip_world.adapter.server.counts["started"] == 1
    call.hangup()


def test_a_deploy_changes_new_calls_only(sip_world: SipWorld) -> None:
    phone = sip_world.phone()
    first = phone.dial("desk")
    first.wait_audio(0.3)
    old = sip_world.service.store.get(first.call_id)
    assert old is not None
    flows = sip_world.service.config.flows
    from pathlib import Path

    path = Path(flows) / "desk.flow"
    path.write_text(path.read_text().replace("nine to five", "eight to six"), encoding="utf-8")
    result = sip_world.service.registry.deploy_path(path)
    assert result.ok
    second = sip_world.phone().dial("desk")
    new = sip_world.service.store.get(second.call_id)
    assert new is not None and new.version != old.version
    first.wait_audio(2.5)
    first.press("1")
    first.wait_bye(20)
    ended = sip_world.service.store.get(first.call_id)
    assert ended is not None and ended.version == old.version
    second.hangup()


def test_health_and_metrics_count_sip_calls(sip_world: SipWorld) -> None:
    from runtime.server.app import create_app

    app = create_app(service=sip_world.service)
    client = app.test_client()
    phone = sip_world.phone()
    call = phone.dial("desk")
    call.wait_audio(0.3)
    health = client.get("/healthz").get_json()
    assert health["sip"]["listening"] == "{}:{}".format(*sip_world.address)
    assert health["sip"]["calls"] == 1
    assert health["active_calls"] == 1
    call.hangup()
    time.sleep(0.3)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'sce_sip_responses_total{method="INVITE",status="200"}' in metrics
    assert 'sce_sip_calls_total{outcome="caller hung up"}' in metrics
    assert 'sce_calls_started_total{flow="desk"' in metrics
