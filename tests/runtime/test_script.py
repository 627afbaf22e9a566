"""Call scripts: reading them (with the line of every step), running them in the simulator, and
the typed-line form the console uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime import actions as act
from runtime.errors import DeployRefused, Mismatch, ScriptError
from runtime.scripts import (
    Step,
    describe_wait,
    load_script,
    load_stubs,
    parse_reply,
    run_script,
    script_files,
)
from runtime.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"
MONDAY_10AM = "2026-11-23T10:00:00-05:00"
BALANCE_STUB = '"GET https://core.bank.example/*": {json: {balance: {amount: 12.5, currency: USD}}}'


@pytest.fixture(scope="module")
def sim() -> Simulator:
    """Every example flow deployed once; `run_script` leaves the clock and stubs as it found them."""
    return Simulator.from_paths([FLOWS], at=MONDAY_10AM)


def script(tmp_path: Path, text: str, name: str = "t.calls.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(sim: Simulator, path: Path, **defaults: str) -> list:
    return run_script(load_script(path), sim, **defaults)


BALANCE = f"""\
flow: balance
caller: "+15551230000"
http:
  {BALANCE_STUB}
steps:
  - hear: Welcome to Example Bank
  - press: "1"
  - hear: Your balance is 12.5 USD
  - sms: your balance is 12.5
  - path: [lookup, read_balance]
  - ended: true
"""


# -- reading ----------------------------------------------------------------------------------


def test_a_script_keeps_the_line_of_every_step(tmp_path: Path) -> None:
    loaded = load_script(script(tmp_path, BALANCE))
    (call,) = loaded.calls
    assert call.flow == "balance" and call.caller == "+15551230000"
    assert [(s.kind, s.line) for s in call.steps] == [
        ("hear", 6),
        ("press", 7),
        ("hear", 8),
        ("sms", 9),
        ("path", 10),
        ("ended", 11),
    ]
    assert call.steps[1] == Step("press", "1", 7)
    assert call.http[0].matches("GET", "https://core.bank.example/accounts/1/balance")


def test_keys_are_read_as_written_not_as_yaml_numbers(tmp_path: Path) -> None:
    loaded = load_script(
        script(tmp_path, "flow: retries\ncaller: +15551230000\nsteps:\n  - press: 0123#\n")
    )
    call = loaded.calls[0]
    assert call.caller == "+15551230000"  # YAML would read an unquoted +1555... as a number
    assert call.steps[0].arg == "0123#"  # and 0123 as octal


def test_calls_share_the_defaults_above_them(tmp_path: Path) -> None:
    text = f"""\
flow: balance
at: {MONDAY_10AM}
http:
  {BALANCE_STUB}
calls:
  - steps: [hangup]
  - name: Mandarin
    called: "+861088886666"
    at: 2026-11-24T09:00:00+08:00
    http:
      "GET https://core.bank.example/*": {{status: 503}}
    steps:
      - silence
"""
    first, second = load_script(script(tmp_path, text)).calls
    assert (first.name, first.line, first.flow) == ("call 1 (balance)", 6, "balance")
    assert (second.name, second.line, second.called) == ("Mandarin", 7, "+861088886666")
    assert (
        first.at is not None and second.at is not None and second.at - first.at == 10 * 3600
    )  # 15:00 UTC to 01:00 UTC
    assert [s.status for s in second.http] == [503, 200]  # the call's own stubs come first


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("flow: balance\nsteps:\n  - press: '1'\n  - heard: x\n", 4, "unknown step 'heard' (did you mean 'hear'?)"),
        ("flow: balance\nsteps:\n  - press: *\n", 3, 'quote keys: press: "*"'),
        ("flow: balance\nsteps:\n  - press: #\n", 3, "press needs the keys in quotes"),
        ("flow: balance\nsteps:\n  - press: '12a'\n", 3, "press takes keys 0-9, * and #"),
        ("flow: balance\nsteps:\n  - press: '1'\n    hear: x\n", 3, "one step per list item"),
        ("flow: balance\nsteps: []\n", 2, "'steps' should be a list"),
        ("flow: balance\n", 1, "a call needs `steps:`"),
        ("flow: balance\nat: tomorrow\nsteps: [hangup]\n", 2, "'at': 'tomorrow' is not a date and time"),
        ("flow: balance\nflow: x\nsteps: [hangup]\n", 2, "'flow' is given twice"),
        ("flow: balance\nhttp:\n  'GET x': {balance: 1}\nsteps: [hangup]\n", 3, "put the body under json:"),
        ("flow: balance\nhttp:\n  'GET x': {status: 999}\nsteps: [hangup]\n", 3, "HTTP status code"),
        ("flow: balance\nsteps:\n  - transfer: maybe\n", 3, "a transfer ends completed, failed, left"),
        ("flow: balance\nsteps:\n  - hear\n", 3, "'hear' needs a value"),
        ("flow: balance\nsteps:\n  - wait: -3\n", 3, "a number of seconds"),
        ("flow: balance\nsteps:\n  - wait: .nan\n", 3, "a number of seconds"),
        ("flow: balance\nsteps:\n  - record: {url: x, length: 3}\n", 3, "unknown record field 'length'"),
        ("flow: balance\nsteps:\n  - transfer_to: {queue: a, line: b}\n", 3, "unknown transfer field"),
        ("flow: [balance\n", 2, "expected ',' or ']'"),
        ("calls:\n  - steps: [hangup]\n    flw: x\n", 3, "unknown key 'flw' (did you mean 'flow'?)"),
        ("steps: [hangup]\ncalls: []\n", 1, "key beside 'calls'"),
        ("calls: []\n", 1, "'calls' should be a list of calls"),
        ("", 1, "the file is empty"),
        ("- press: '1'\n", 1, "a call script should be a mapping"),
    ],
)  # fmt: skip
def test_a_malformed_script_is_refused_with_its_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = script(tmp_path, text)
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert caught.value.message.startswith(f"{path}:{line}: ")
    assert message in caught.value.message


def test_a_json_script_reads_like_the_yaml_one(tmp_path: Path, sim: Simulator) -> None:
    data = {
        "flow": "balance",
        "http": {
            "GET https://core.bank.example/*": {
                "json": {"balance": {"amount": 3, "currency": "EUR"}}
            }
        },
        "steps": [{"press": "1"}, {"hear": "Your balance is 3 EUR"}, {"vars": {"balance": 3}}],
    }
    path = script(tmp_path, json.dumps(data, indent="\t"), "t.calls.json")
    loaded = load_script(path)
    assert [(s.kind, s.line) for s in loaded.calls[0].steps] == [
        ("press", 15),
        ("hear", 18),
        ("vars", 21),
    ]
    assert [str(r.failure) for r in run_script(loaded, sim) if not r.passed] == []


def test_a_broken_json_script_names_its_line(tmp_path: Path) -> None:
    path = script(tmp_path, '{\n  "flow": "balance",\n  "steps": [\n}\n', "t.calls.json")
    with pytest.raises(ScriptError, match=r"t\.calls\.json:4: "):
        load_script(path)
    path = script(tmp_path, '{"flow": "a", "flow": "b", "steps": ["hangup"]}', "d.calls.json")
    with pytest.raises(ScriptError, match="'flow' is given twice"):
        load_script(path)


def test_stub_files_are_checked_like_a_scripts_http(tmp_path: Path) -> None:
    good = script(tmp_path, '"POST https://x.example/*": {status: 201}\n', "stubs.yaml")
    (stub,) = load_stubs(good)
    assert (stub.status, stub.matches("POST", "https://x.example/a"), stub.matches("GET", "https://x.example/a")) == (201, True, False)  # fmt: skip
    bad = script(tmp_path, '"GET https://x.example/*":\n  body: {a: 1}\n', "bad.yaml")
    with pytest.raises(ScriptError, match=r"bad\.yaml:2: .*under json:"):
        load_stubs(bad)


def test_folders_are_searched_for_scripts(tmp_path: Path) -> None:
    script(tmp_path, BALANCE, "a.calls.yaml")
    script(tmp_path, "{}", "b.calls.json")
    script(tmp_path, "flow x {}", "c.flow")
    assert [p.name for p in script_files([tmp_path])] == ["a.calls.yaml", "b.calls.json"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScriptError, match="no call scripts"):
        script_files([tmp_path / "empty"])
    with pytest.raises(ScriptError, match="no such file or folder"):
        script_files([tmp_path / "missing.calls.yaml"])


# -- running ----------------------------------------------------------------------------------


def test_a_good_script_passes(tmp_path: Path, sim: Simulator) -> None:
    (result,) = run(sim, script(tmp_path, BALANCE))
    assert result.passed, result.failure
    assert result.simulated is not None
    assert result.simulated.path[-3:] == ["read_balance", "text_balance", "goodbye"]


def test_a_failed_expectation_names_its_line_and_what_happened(
    tmp_path: Path, sim: Simulator
) -> None:
    path = script(tmp_path, BALANCE.replace("12.5 USD", "99 USD"))
    (result,) = run(sim, path)
    failure = result.failure
    assert failure is not None
    assert (failure.path, failure.line) == (str(path), 8)
    assert str(failure).startswith(f'{path}:8: call (balance): hear: ["Your balance is 99 USD"]: ')
    assert 'expected to hear "Your balance is 99 USD"' in failure.message
    assert '"Your balance is 12.5 USD."' in failure.message  # what was heard instead


def test_the_call_stops_at_the_first_failure(tmp_path: Path, sim: Simulator) -> None:
    text = BALANCE.replace('  - press: "1"\n', '  - hear: nothing like this\n  - press: "1"\n')
    (result,) = run(sim, script(tmp_path, text))
    assert result.failure is not None and result.failure.line == 7
    assert result.simulated is not None and not result.simulated.ended  # "1" was never pressed


def test_expectations_look_at_the_current_turn_only(tmp_path: Path, sim: Simulator) -> None:
    text = BALANCE.replace(
        "  - hear: Your balance", "  - hear: Welcome to Example Bank\n  - hear: Your balance"
    )
    (result,) = run(sim, script(tmp_path, text))
    assert result.failure is not None and result.failure.line == 8
    assert "Welcome to Example Bank" in result.failure.message


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("not_hear: balance is 12.5", 'expected not to hear "balance is 12.5", but heard "Your balance is 12.5 USD."'),
        ("sms: your balance is 13", "expected an SMS containing \"your balance is 13\", but sent \"Example Bank: your balance is 12.5 USD.\" to +15551230000"),
        ("sms: {to: '+1999', text: balance}", "to +1999, but sent"),
        ("path: [read_balance, lookup]", "expected to enter read_balance → lookup in this order, but entered lookup → read_balance → text_balance → goodbye"),
        ("ended: false", "expected the call to go on, but it ended (self-service)"),
        ("ended: transferred", "expected the call to end with reason 'transferred', but it ended with 'self-service'"),
        ("vars: {balance: 13, pin: 1}", "expected {\"balance\": 13, \"pin\": 1}, but balance is 12.5; there is no variable 'pin'"),
        ("vars: {currency: usd}", 'currency is "USD"'),
        ("fetch: POST https://core.bank.example/*", "expected a request matching 'POST https://core.bank.example/*', but fetched GET https://core.bank.example/accounts/%2B15551230000/balance"),
        ("transfer_to: {queue: general}", "expected a transfer to {\"queue\": \"general\"}, but there was none in this turn"),
    ],
)  # fmt: skip
def test_each_expectation_says_what_happened_instead(
    tmp_path: Path, sim: Simulator, step: str, message: str
) -> None:
    text = BALANCE.replace("  - ended: true\n", f"  - {step}\n")
    (result,) = run(sim, script(tmp_path, text))
    assert result.failure is not None and result.failure.line == 11
    assert message in result.failure.message


def test_transfer_to_matches_a_subset_and_names_the_fields_that_differ(
    tmp_path: Path, sim: Simulator
) -> None:
    text = """\
flow: agent_queue
http:
  "GET https://crm.bank.example/*": {json: {tier: vip}}
steps:
  - press: "0"
  - press: "1"
  - transfer_to: {queue: service, skills: [cards], priority: 10, attach: {summary: "pressed 1"}}
  - transfer_to: {queue: service, skills: [loans], priority: 1, attach: {tier: vip}}
"""
    (result,) = run(sim, script(tmp_path, text))
    assert result.failure is not None and result.failure.line == 8
    assert result.failure.message == (
        'expected skills ["loans"], priority 1, but the transfer had skills ["cards"], priority 10'
    )


def test_a_step_that_does_not_fit_the_wait_fails(tmp_path: Path, sim: Simulator) -> None:
    text = """\
flow: after_hours
at: 2026-11-22T20:00:00+08:00
steps:
  - press: "1"
"""
    (result,) = run(sim, script(tmp_path, text))
    assert result.failure is not None and result.failure.line == 4
    assert result.failure.message == (
        "cannot press now: the call waits for a recording at 'voicemail_prompt'"
    )


def test_nothing_can_be_done_after_the_call_ended(tmp_path: Path, sim: Simulator) -> None:
    (result,) = run(sim, script(tmp_path, "flow: hotline\nsteps:\n  - hangup\n  - say: hello\n"))
    assert result.failure is not None and result.failure.line == 4
    assert result.failure.message == "cannot say: the call already ended (caller-hangup)"


def test_the_script_or_the_command_line_names_the_flow(tmp_path: Path, sim: Simulator) -> None:
    path = script(tmp_path, "steps:\n  - press: '1'\n  - path: [opening_hours]\n")
    assert [r.passed for r in run(sim, path, flow="hotline")] == [True]
    (result,) = run(sim, path)
    assert result.failure is not None and "no flow to call" in result.failure.message
    (result,) = run(sim, path, flow="no_such_flow")
    assert result.failure is not None and result.failure.line == 1
    assert result.failure.message == "no flow 'no_such_flow' is deployed"


def test_at_sets_the_clock_and_wait_moves_it(tmp_path: Path, sim: Simulator) -> None:
    before = (sim.now, list(sim.effects.stubs))
    text = """\
flow: after_hours
calls:
  - at: 2026-11-23T17:59:00+08:00      # a minute before closing: an agent
    steps:
      - path: [hours, agent]
  - at: 2026-11-23T18:00:00+08:00      # closed
    steps:
      - path: [hours, closed_message]
"""
    results = run(sim, script(tmp_path, text))
    assert [r.passed for r in results] == [True, True], [str(r.failure) for r in results]
    assert (sim.now, sim.effects.stubs) == before  # the simulator is left as it was


def test_queue_updates_and_the_leave_key(tmp_path: Path, sim: Simulator) -> None:
    text = """\
flow: agent_queue
steps:
  - press: "0"
  - press: "1"
  - queue: {wait: 61, position: 2}
  - hear: Your estimated wait is 2 minutes
  - vars: {estimated_wait: 2, queue_position: 2}
  - queue: 30
  - hear: Your estimated wait is 1 minutes
  - press: "*"
  - path: [agent_cards, main]
  - ended: false
"""
    (result,) = run(sim, script(tmp_path, text))
    assert result.passed, result.failure


def test_a_recording_with_no_audio_takes_the_no_audio_exit(tmp_path: Path, sim: Simulator) -> None:
    text = """\
flow: complaint
steps:
  - press: "2"
  - record:
  - path: [message, thanks]
  - not_hear: nothing
  - ended: complaint
"""
    (result,) = run(sim, script(tmp_path, text))
    assert result.passed, result.failure
    assert result.simulated is not None and "open_ticket" not in result.simulated.path


@pytest.mark.parametrize("name", sorted(p.name for p in FLOWS.glob("*.calls.yaml")))
def test_the_example_scripts_hold(name: str, sim: Simulator) -> None:
    results = run_script(load_script(FLOWS / name), sim)
    assert results, name
    assert [str(r.failure) for r in results if not r.passed] == []


def test_there_are_example_scripts_for_the_reference_scenarios() -> None:
    names = {p.name for p in FLOWS.glob("*.calls.yaml")}
    assert {"balance.calls.yaml", "retries.calls.yaml", "after_hours.calls.yaml"} <= names


# -- deploying --------------------------------------------------------------------------------


def test_a_refused_flow_stops_the_simulator_with_its_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "good.flow").write_text(
        'flow good { start -> bye }\nhangup bye { prompt { text { en-US = "Bye." } } }\n',
        encoding="utf-8",
    )
    (tmp_path / "bad.flow").write_text("flow bad { start -> nowhere }\n", encoding="utf-8")
    with pytest.raises(DeployRefused) as caught:
        Simulator.from_paths([tmp_path])
    (diagnostic,) = caught.value.diagnostics
    assert (Path(diagnostic.path).name, diagnostic.line, diagnostic.code) == ("bad.flow", 1, "SCE101")  # type: ignore[attr-defined,arg-type]  # fmt: skip
    assert "bad.flow" in caught.value.message
    (tmp_path / "bad.flow").unlink()
    assert Simulator.from_paths([tmp_path]).call("good").heard == ["Bye."]


# -- the console's typed lines ----------------------------------------------------------------


def test_typed_lines_are_caller_steps(sim: Simulator) -> None:
    gather = act.Gather("main", "en-US")
    record = act.Record("message", 120, 5)
    transfer = act.Transfer("agent", "en-US", queue="service")
    assert parse_reply("12#", gather) == Step("press", "12#", 0)
    assert parse_reply("press 1", gather) == Step("press", "1", 0)
    assert parse_reply("say my balance", gather) == Step("say", "my balance", 0)
    assert parse_reply("", gather) == Step("silence", None, 0)
    assert parse_reply("", record) == Step("record", {"url": None, "seconds": 0}, 0)
    assert parse_reply("record https://r.example/1.wav 12 call me", record) == Step(
        "record", {"url": "https://r.example/1.wav", "seconds": 12.0, "transcript": "call me"}, 0
    )
    assert parse_reply("", transfer) is None  # keep waiting
    assert parse_reply("queue 90 3", transfer) == Step("queue", {"wait": 90.0, "position": 3}, 0)
    assert parse_reply("answered", transfer) == Step(
        "transfer", {"outcome": "completed", "detail": None}, 0
    )
    assert parse_reply("failed no agents", transfer) == Step(
        "transfer", {"outcome": "failed", "detail": "no agents"}, 0
    )
    assert parse_reply("wait 30", gather) == Step("wait", 30.0, 0)
    assert parse_reply("hangup", gather) == Step("hangup", None, 0)
    with pytest.raises(Mismatch, match="not understood: 'dance'"):
        parse_reply("dance", gather)
    for line in ("queue soon", "wait -5", "wait inf"):
        with pytest.raises(Mismatch, match="seconds"):
            parse_reply(line, transfer)


def test_what_the_call_waits_for_in_words(sim: Simulator) -> None:
    call = sim.call("balance")
    assert describe_wait(call, call.waiting_for) == (  # type: ignore[arg-type]
        "press a key: 1 Balance, 0 Agent, * repeat (or say: balance, agent, operator); "
        "empty line = silence (5 s)"
    )
    call = sim.call("retries")
    call.press("1")
    assert describe_wait(call, call.waiting_for) == (  # type: ignore[arg-type]
        "enter 8 digits then #; empty line = silence (8 s)"
    )
    call = sim.call("complaint")
    call.press("2")
    assert describe_wait(call, call.waiting_for).startswith("recording… (up to 180 s)")  # type: ignore[arg-type]
    call = sim.call("agent_queue")
    call.press("0").press("2")
    assert describe_wait(call, call.waiting_for) == (  # type: ignore[arg-type]
        "in queue service (skills loans, priority 1) — keys: * leave; "
        "commands: queue SECONDS [POSITION] / answered / failed"
    )
    call.queue(120)  # a turn with only the announcement: the call still waits in the queue
    assert isinstance(call.waiting_for, act.Transfer)
    call.hang_up()
    assert call.waiting_for is None


def test_yaml_values_that_json_cannot_hold_are_refused(tmp_path: Path) -> None:
    from runtime.errors import ScriptError
    from runtime.scripts import load_stubs

    path = tmp_path / "stubs.yaml"
    path.write_text('"GET https://x.example/*":\n  json: !!binary aGVsbG8=\n', encoding="utf-8")
    with pytest.raises(ScriptError, match="stubs.yaml:2: a bytes is not a value"):
        load_stubs(path)
