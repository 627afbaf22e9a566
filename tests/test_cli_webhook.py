"""`sce webhook`: whole calls driven by hand against a real `sce serve` (gunicorn in a child
process, webhooks checked with its Twilio auth token), each step the very command the step
before printed; and every way it can fail a clear line with exit 2."""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli import run
from tests.runtime.server.fixtures import FLOWS
from tests.runtime.server.phone import TWILIO_TOKEN
from tests.runtime.server.running import free_port, sce_serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module (each test makes calls of its own): the bundled flows, their
    business systems answered by the stubs, signatures checked with TWILIO_TOKEN."""
    home = tmp_path_factory.mktemp("webhook")
    flows = home / "flows"
    shutil.copytree(FLOWS, flows)
    args = ["--flows", str(flows), "--http", str(flows / "systems.http.yaml"), "--no-watch"]
    with sce_serve(args, {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN}, cwd=home) as running:
        yield running.url.rstrip("/")


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The token in the environment, as a newcomer exports it for both commands; run from a
    folder without a pyproject.toml, so that only the environment configures it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.delenv("SCE_VERIFY_SIGNATURES", raising=False)


def webhook(*args: str) -> Result:
    result = run("webhook", *args)
    assert result.exit_code == 0, result.output + result.stderr
    return result


def follow(result: Result, label: str, **words: str) -> Result:
    """Run the next command the answer printed under `label`, exactly as printed (placeholders
    such as KEYS replaced by `words`)."""
    for line in result.stdout.splitlines():
        if line.startswith(f"  {label} "):
            argv = shlex.split(line[len(label) + 2 :])
            assert argv[:2] == ["sce", "webhook"], line
            return webhook(*(words.get(word, word) for word in argv[2:]))
    raise AssertionError(f"no '{label}' command in:\n{result.stdout}")


def error(result: Result) -> str:
    """The one line a failed command printed, after checking it failed with exit 2."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_balance_call_by_hand_start_press_1_hear_the_balance(server: str) -> None:
    started = webhook("balance", "--server", server, "--caller", "+15551230000")
    out = started.stdout
    assert out.startswith(f"POST {server}/voice/balance (a new call CA")
    assert "from +15551230000 to +15550100000): 200" in out.splitlines()[0]
    assert "  hears     [en-US] Welcome to Example Bank.\n" in out
    assert "For your balance, press 1." in out and "(a key stops it)" in out
    assert "waits     for keys or speech (1 key, 5 s, en-US, hints: balance, agent" in out
    assert f"-> {server}/voice/balance/gather?asked=1" in out
    assert f"if none   POST {server}/voice/balance/timeout?asked=1" in out
    sid = out.split("(a new call ", 1)[1].split(",", 1)[0]
    assert f"Next, for call {sid}:" in out
    assert (
        f"--call {sid} --caller +15551230000 --url '{server}/voice/balance/gather?asked=1'" in out
    )

    heard = follow(started, "press", KEYS="1")
    assert heard.stdout.splitlines()[1:] == [
        "  hears     [en-US] Your balance is 12.5 USD.",
        "  hears     [en-US] Thank you for calling Example Bank. Goodbye.",
        "  hangs up",
        "The call is over.",
    ]
    # Twilio's retry of that webhook gets the same answer, never a second step.
    again = follow(started, "press", KEYS="1")
    assert again.stdout.splitlines()[1:] == heard.stdout.splitlines()[1:]


def test_a_hotline_call_silence_then_a_key_and_speech_at_the_balance_line(server: str) -> None:
    started = webhook("hotline", "--server", server)
    assert "Welcome to the Example hotline." in started.stdout
    assert "--speech" not in started.stdout  # the hotline's menu takes keys only
    silent = follow(started, "silence")
    assert "For opening hours, press 1." in silent.stdout, silent.stdout
    assert "gather?asked=2" in silent.stdout
    hours = follow(silent, "press", KEYS="1")
    assert "We are open from nine to five, Monday to Friday." in hours.stdout
    assert hours.stdout.endswith("The call is over.\n")

    spoken = follow(webhook("balance", "--server", server), "say", WORDS="balance")
    assert "  hears     [en-US] Your balance is 12.5 USD." in spoken.stdout


def test_a_mainland_caller_hears_mandarin_and_the_commands_keep_the_number(server: str) -> None:
    started = webhook("balance", "--server", server, "--called", "+861088886666", "--xml")
    assert '<Say language="cmn-CN" voice="Polly.Zhiyu">欢迎致电示例银行。</Say>' in started.stdout
    assert "  hears     [cmn-CN Polly.Zhiyu] 欢迎致电示例银行。" in started.stdout
    assert "--called +861088886666" in started.stdout
    assert "您的余额是12.5USD。" in follow(started, "press", KEYS="1").stdout


def test_queued_waiting_then_leaving_with_star_back_to_the_menu(server: str) -> None:
    menu = webhook("agent_queue", "--server", server)
    queued = follow(follow(menu, "press", KEYS="0"), "press", KEYS="1")
    assert "  queued    in " in queued.stdout
    waiting = follow(queued, "waiting")
    assert "Your estimated wait is 2 minutes." in waiting.stdout
    left = follow(waiting, "press", KEYS="*")
    assert "leaves    the queue" in left.stdout
    back = follow(left, "left")
    assert "For card services, press 1." in back.stdout


def test_a_hangup_ends_the_call_and_later_webhooks_hear_a_hangup(server: str) -> None:
    started = webhook("hotline", "--server", server)
    over = follow(started, "hang up")
    assert "/voice/hotline/status (the call CA" in over.stdout
    assert over.stdout.endswith("The call is over.\n")
    late = follow(started, "press", KEYS="1")
    assert late.stdout.splitlines()[1:] == ["  hangs up", "The call is over."]


def test_a_server_with_another_token_refuses_and_says_the_tokens_differ(server: str) -> None:
    line = error(run("webhook", "balance", "--server", server, "--token", "not-the-servers"))
    assert "refused the signature (403)" in line
    assert "the token used here is not the server's TWILIO_AUTH_TOKEN" in line


def test_no_token_says_how_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    line = error(run("webhook", "balance"))
    assert "no Twilio auth token" in line and "export TWILIO_AUTH_TOKEN=" in line


def test_the_token_may_come_from_pyproject_as_for_the_server(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    runtime = f'[tool.sce.runtime]\ntwilio-auth-token = "{TWILIO_TOKEN}"\n'
    (tmp_path / "pyproject.toml").write_text(runtime, encoding="utf-8")
    assert "Welcome to Example Bank." in webhook("balance", "--server", server).stdout


def test_a_server_that_does_not_answer(server: str) -> None:
    line = error(run("webhook", "balance", "--server", f"http://127.0.0.1:{free_port()}"))
    assert line.startswith("sce: error: cannot reach http://127.0.0.1:")
    assert "is `sce serve` running there?" in line


def test_a_flow_the_server_has_not_deployed(server: str) -> None:
    line = error(run("webhook", "balanse", "--server", server))
    assert line.startswith(f"sce: error: no flow 'balanse' is live on {server} (live: ")
    assert "balance" in line


def test_a_wrong_url_is_the_servers_refusal_in_one_line(server: str) -> None:
    url = f"{server}/voice/balance/gather"  # no `asked`
    line = error(
        run("webhook", "balance", "--call", "CA" + "1" * 32, "--url", url, "--digits", "1")
    )
    assert (
        line
        == f"sce: error: {url} answered 400: the URL has no valid 'asked' (it must be one we gave)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--digits", "1"], "--digits needs --call CALLSID"),
        (["--call", "CA1", "--digits", "1"], "--digits needs --url"),
        (["--call", "CA1"], "say what the caller does"),
        (["--call", "CA1", "--url", "x", "--digits", "1", "--silence"], "cannot be used together"),
        (["--call", "CA1", "--url", "x", "--param", "Q"], "'Q' is not NAME=VALUE"),
        (["--server", "localhost:8000"], "not an http:// or https:// URL"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = run("webhook", "balance", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
