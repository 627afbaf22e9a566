"""`sce call`: a flow called from the command line, typed (here: piped) or from call scripts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli import run, write

ROOT = Path(__file__).resolve().parents[1]
FLOWS = ROOT / "flows"
MONDAY_10AM = "2026-11-23T10:00:00-05:00"
STUBS = '"GET https://core.bank.example/*": {json: {balance: {amount: 12.5, currency: USD}}}\n'


@pytest.fixture
def stubs(tmp_path: Path) -> Path:
    return write(tmp_path / "stubs.yaml", STUBS)


# -- interactive, with piped input --------------------------------------------------------------


def test_a_piped_call_prints_what_the_caller_hears_and_the_path(stubs: Path) -> None:
    result = run(
        "call", FLOWS / "balance.flow", "--http", stubs, "--at", MONDAY_10AM,
        "--caller", "+15551230000", input="1\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Calling balance (")
    assert "from +15551230000" in lines[0] and "at 2026-11-23T10:00:00-05:00" in lines[0]
    assert "[en-US audio=welcome] Welcome to Example Bank." in lines
    assert (
        "? press a key: 1 Balance, 0 Agent, * repeat (or say: balance, agent, operator); "
        "empty line = silence (5 s)"
    ) in lines
    assert "> 1" in lines  # the piped line is echoed where the caller acted
    assert '  · lookup — HTTP 200: balance=12.5, currency="USD"' in lines
    assert "[en-US] Your balance is 12.5 USD." in lines
    assert "SMS to +15551230000: Example Bank: your balance is 12.5 USD." in lines
    assert lines[-3:] == [
        "Path: pick_language → welcome → main → lookup → read_balance → text_balance → goodbye",
        "Ended: self-service",
        "Summary: main: pressed 1 (Balance)",
    ]
    assert lines.index("> 1") < lines.index("[en-US] Your balance is 12.5 USD.")


def test_a_mainland_caller_hears_mandarin_and_may_speak(stubs: Path) -> None:
    result = run(
        "call", "balance", "--flows", FLOWS, "--http", stubs, "--called", "+861088886666",
        input="say 一\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "[zh-CN audio=welcome] 欢迎致电示例银行。" in result.stdout
    assert "[zh-CN] 您的余额是12.5USD。" in result.stdout


def test_end_of_input_hangs_up(stubs: Path) -> None:
    result = run("call", "balance", "--flows", FLOWS, input="")
    assert result.exit_code == 0
    assert "(end of input: the caller hangs up)" in result.stdout
    assert result.stdout.splitlines()[-2:] == [
        "Path: pick_language → welcome → main",
        "Ended: caller-hangup",
    ]


def test_silence_and_lines_that_mean_nothing(stubs: Path) -> None:
    result = run("call", "retries", "--flows", FLOWS, input="dance\n\nhelp\nhangup\n")
    assert result.exit_code == 0
    out = result.stdout
    assert "not understood: 'dance' (type `help`)" in out
    assert "I did not hear anything." in out  # the empty line
    assert "queue SECONDS [POSITION]" in out  # help
    assert out.index("not understood") < out.index("I did not hear anything")


def test_a_collect_says_how_many_digits() -> None:
    result = run("call", "retries", "--flows", FLOWS, input="1\n12#\n12345678#\n")
    assert "? enter 8 digits then #; empty line = silence (8 s)" in result.stdout
    assert "An account number has eight digits." in result.stdout
    assert "You entered 1 2 3 4 5 6 7 8. Let me connect you." in result.stdout


def test_a_voicemail_after_hours(tmp_path: Path) -> None:
    stub = write(
        tmp_path / "stubs.json", '{"POST https://callbacks.bank.example/*": {"status": 201}}'
    )
    result = run(
        "call", FLOWS / "after_hours.flow", "--at", "2026-11-22T20:00:00+08:00", "--http", stub,
        input="1\nrecord https://rec.example/vm.wav 12\n",
    )  # fmt: skip
    assert result.exit_code == 0
    out = result.stdout
    assert "cannot press now: the call waits for a recording at 'voicemail_prompt'" in out
    assert "? recording… (up to 120 s)" in out
    assert "(beep)" in out
    assert "    POST https://callbacks.bank.example/voicemails" in out
    assert out.splitlines()[-3:] == [
        "Path: hours → closed_message → voicemail_prompt → save_voicemail → goodbye",
        "Ended: after-hours",
        "Summary: voicemail_prompt: left a 12 s recording",
    ]


def test_a_queue_with_a_wait_announcement_and_an_answer(tmp_path: Path) -> None:
    stub = write(tmp_path / "crm.yaml", '"GET https://crm.bank.example/*": {json: {tier: vip}}\n')
    result = run(
        "call", "agent_queue", "--flows", FLOWS, "--http", stub,
        input="0\n1\nqueue 240 3\n5\nanswered\n",
    )  # fmt: skip
    assert result.exit_code == 0
    out = result.stdout
    assert (
        "? in queue service (skills cards, priority 10) — keys: * leave; "
        "commands: queue SECONDS [POSITION] / answered / failed"
    ) in out
    assert "Your estimated wait is 4 minutes. Press star to go back to the menu." in out
    assert "(nothing happens)" in out  # 5 is not the leave key
    assert out.splitlines()[-3:-1] == [
        "Path: main → which_topic → topic_cards → customer → route → agent_cards",
        "Ended: transferred",
    ]
    assert out.splitlines()[-1] == "Summary: main: pressed 0; which_topic: pressed 1"


def test_output_writes_the_call_as_json(stubs: Path, tmp_path: Path) -> None:
    out = tmp_path / "call.json"
    result = run("call", "balance", "--flows", FLOWS, "--http", stubs, "-o", out, input="1\n")
    assert result.exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["path"][-1] == "goodbye" and data["reason"] == "self-service"
    assert data["vars"]["balance"] == 12.5
    assert {"action": "sms", "node": "text_balance", "to": "+15550100100",
            "message": "Example Bank: your balance is 12.5 USD."} in data["actions"]  # fmt: skip


def test_an_unstubbed_fetch_reaches_a_real_service_the_settings_allow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bank: str
) -> None:
    write(
        tmp_path / "flows" / "lookup.flow",
        f"""flow lookup {{ start -> fetch }}
var amount: number = 0
http fetch {{
  url = "http://{bank}/accounts/{{caller}}"
  timeout = 2
  save {{ amount = "/amount" }}
  next -> say
  error -> say
}}
hangup say {{ prompt {{ text {{ en-US = "You have {{amount}}." }} }} }}
""",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCE_HTTP_ALLOW", bank)
    result = run("call", "lookup", "--caller", "42", input="")
    assert result.exit_code == 0, result.output + result.stderr
    assert "[en-US] You have 42." in result.stdout  # the local service echoed the account


@pytest.fixture
def bank() -> Iterator[str]:
    """A real HTTP service on 127.0.0.1 answering {"amount": N} for /accounts/N."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"amount": int(self.path.rsplit("/", 1)[-1])}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- scripts ------------------------------------------------------------------------------------


GOOD = """\
flow: hotline
steps:
  - hear: Welcome to the Example hotline
  - press: "1"
  - hear: We are open from nine to five
  - ended: true
"""


def test_a_passing_script_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path / "hotline.calls.yaml", GOOD)
    result = run("call", "--flows", FLOWS, "--script", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"PASS {path}:1 call (hotline)",
        "1 call: 1 passed, 0 failed",
    ]


def test_a_failing_script_exits_1_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "hotline.calls.yaml", GOOD.replace("nine to five", "eight to six"))
    result = run("call", "--flows", FLOWS, "--script", path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"FAIL {path}:1 call (hotline)",
        f'  {path}:5: hear: ["We are open from eight to six"]',
        '    expected to hear "We are open from eight to six", but heard '
        '"We are open from nine to five, Monday to Friday.", "Thank you for calling. Goodbye."',
        "1 call: 0 passed, 1 failed",
    ]


def test_a_malformed_script_exits_2_naming_the_line(tmp_path: Path) -> None:
    good = write(tmp_path / "a.calls.yaml", GOOD)
    bad = write(tmp_path / "b.calls.yaml", GOOD.replace("  - press:", "  - pres:"))
    result = run("call", "--flows", FLOWS, "--script", good, "--script", bad)
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing runs until every script reads well
    assert result.stderr == f"sce: error: {bad}:4: unknown step 'pres' (did you mean 'press'?)\n"


def test_the_command_line_names_the_flow_of_scripts_that_do_not(tmp_path: Path) -> None:
    path = write(tmp_path / "x.calls.yaml", GOOD.replace("flow: hotline\n", ""))
    result = run("call", "--flows", FLOWS, "--script", path)
    assert result.exit_code == 2
    assert result.stderr == f"sce: error: {path}:1: no flow to call: give `flow:` or FLOW\n"
    result = run("call", FLOWS / "hotline.flow", "--script", path)
    assert result.exit_code == 0, result.output


def test_several_scripts_and_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "scripts" / "a.calls.yaml", GOOD)
    write(tmp_path / "scripts" / "b.calls.yaml", GOOD.replace("nine", "ten"))
    out = tmp_path / "results.json"
    result = run("call", "--flows", FLOWS, "--script", tmp_path / "scripts", "-o", out)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "2 calls: 1 passed, 1 failed"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(Path(d["script"]).name, d["passed"]) for d in data] == [
        ("a.calls.yaml", True),
        ("b.calls.yaml", False),
    ]
    assert data[1]["failure"].startswith(f"{tmp_path / 'scripts' / 'b.calls.yaml'}:5: ")


def test_the_example_scripts_pass() -> None:
    result = run("call", "--script", FLOWS)
    assert result.exit_code == 0, result.stdout
    assert "failed" in result.stdout.splitlines()[-1]
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")


# -- refusals and usage errors --------------------------------------------------------------------


SUBFLOW_ASK = {
    "flow": "ask",
    "start": "hold",
    "nodes": {
        "hold": {"type": "play", "prompt": {"text": {"en-US": "Please hold."}}, "next": "back"},
        "back": {"type": "hangup", "return": True},
    },
}


def test_a_refused_flow_prints_its_errors_like_lint(tmp_path: Path) -> None:
    write(tmp_path / "main.flow", "flow main { start -> help }\nsubflow help { flow = bad }\n")
    write(tmp_path / "bad.flow", "flow bad {\n  start -> nowhere\n}\n")
    result = run("call", tmp_path / "main.flow", input="")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'bad.flow'}:2:3: SCE101 ")
    assert lines[-1] == f"sce: refused (errors above): {tmp_path / 'bad.flow'}"


def test_a_flow_is_called_whatever_is_broken_beside_it(tmp_path: Path) -> None:
    """Only the flows a call needs are deployed: the flow and the subflows it reaches. Files
    beside it that do not load get a warning; an unrelated flow with errors is not even read
    as a deploy."""
    write(tmp_path / "main.flow", "flow main { start -> ask }\nsubflow ask { flow = ask }\n")
    write(tmp_path / "ask.json", json.dumps(SUBFLOW_ASK))
    write(tmp_path / "unrelated.flow", "flow unrelated {\n  start -> nowhere\n}\n")
    write(tmp_path / "drafts" / "junk.json", '{"flow": ')
    result = run("call", tmp_path / "main.flow", input="")
    assert result.exit_code == 0, result.output
    assert "Please hold." in result.stdout  # the subflow ran
    assert result.stderr == (
        f"sce: warning: not loaded, as they do not load: {tmp_path / 'drafts' / 'junk.json'}\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a FLOW to call, or --script FILE"),
        (("nope.flow",), "nope.flow: no such flow file"),
        (("balance", "--at", "soon"), "'soon' is not a date and time"),
        (("balance", "--at", "0001-01-01T00:00:00"), "between the years 1971 and 9998"),
        (("no_such_flow",), "no flow 'no_such_flow' in "),
        (("balance", "--script", "missing.calls.yaml"), "missing.calls.yaml: no such file"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    result = run("call", "--flows", FLOWS, *args, input="")
    assert result.exit_code == 2
    assert message in result.stderr


def test_watch_deploys_a_saved_change_and_the_next_call_gets_it(tmp_path: Path) -> None:
    """`sce call --watch`: the analyst edits the flow between two calls and hears the change."""
    import queue
    import subprocess
    import sys
    import threading
    import time

    from tests.runtime.flows import broken, greeting
    from tests.runtime.flows import write as write_flow

    flow = write_flow(tmp_path / "hello.json", greeting("One"))
    process = subprocess.Popen(
        [sys.executable, "-m", "sce.cli", "call", "hello", "--flows", str(tmp_path), "--watch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    seen: list[str] = []
    # A thread reads the output, so that a line that never comes fails the test, not hangs it.
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put("")  # the end of the output

    threading.Thread(target=read, daemon=True).start()

    def until(text: str) -> None:
        deadline = time.monotonic() + 20
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            assert line, f"sce call ended before {text!r}: {seen}"
            seen.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} within 20 s in {seen}")

    def say(line: str) -> None:
        process.stdin.write(line + "\n")  # type: ignore[union-attr]
        process.stdin.flush()  # type: ignore[union-attr]

    try:
        until("One. Press 1 or 0.")
        write_flow(flow, broken())
        until("refused")
        until("the live version stays")
        write_flow(flow, greeting("Two"))
        until("(deployed hello")
        say("1")
        until("One again.")  # the call in progress stays on its version
        say("0")
        until("Enter: call again")
        say("")
        until("Two. Press 1 or 0.")  # the next call gets the new one
        say("0")
        until("Two, goodbye.")
        until("Enter: call again")
        say("q")
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()


def test_the_bundled_business_system_replies_serve_make_run() -> None:
    """`make run` calls the balance line with flows/systems.http.yaml standing in for the bank."""
    result = run("call", FLOWS / "balance.flow", "--http", FLOWS / "systems.http.yaml", input="1\n")
    assert result.exit_code == 0
    assert "Your balance is 12.5 USD." in result.output
    assert "SMS to +15550100100: Example Bank: your balance is 12.5 USD." in result.output


def test_the_end_of_input_during_a_recording_ends_the_command() -> None:
    """Hung up while recording, the call waits for a recording that never comes: the command
    says so and returns, instead of hanging up again and again."""
    result = run("call", "after_hours", "--flows", FLOWS, "--at", "2026-11-29T23:00:00+08:00")
    assert result.exit_code == 0
    assert "the recording is still to come" in result.stdout
    assert "Ended: no (still waiting)" in result.stdout
