"""`reach_an_end` finds, from a flow alone, a call script that ends the call: on the bundled
flows it finds the script a person would try first, behind a collect it finds the code a branch
wants, and on a flow with no way out it says clearly where the calls went.

These are also the examples of how the Studio importer's tests use it: deploy the imported
file, ask for an end, look at the kind of end and the way there."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.studio.paths import Reached, Step, deploy, end_of, reach_an_end, replay

FLOWS = Path(__file__).resolve().parents[2] / "flows"
SYSTEMS = FLOWS / "systems.http.yaml"
RECORD = Step("record", "https://recordings.example/voicemail.wav")


def press(*keys: str) -> tuple[Step, ...]:
    return tuple(Step("press", k) for k in keys)


@pytest.mark.parametrize(
    ("name", "http", "end", "steps"),
    [
        # The first choice of the menu: opening hours, then the goodbye.
        ("hotline.flow", None, "hangup", press("1")),
        # With the core banking system answering, the balance is read out and the call ends.
        ("balance.flow", SYSTEMS, "hangup", press("1")),
        # Cards and loans only say something and come back to the menu: an agent, for cards.
        ("agent_queue.json", None, "transfer", press("0", "1")),
        # The default clock is a Monday evening in Shanghai: closed, so a voicemail.
        ("after_hours.flow", None, "voicemail", (RECORD,)),
        # An agent is one key away; an account number would take two steps.
        ("retries.flow", None, "transfer", press("0")),
        # Speak to the complaints team now, then confirm.
        ("complaint.json", SYSTEMS, "transfer", press("1", "1")),
    ],
)
def test_the_bundled_flows_end_as_a_person_would_end_them(
    name: str, http: Path | None, end: str, steps: tuple[Step, ...]
) -> None:
    reached = reach_an_end(FLOWS / name, http=http)
    assert (reached.end, reached.steps) == (end, steps), reached


def test_what_the_call_went_through_comes_with_the_script() -> None:
    hotline = reach_an_end(FLOWS / "hotline.flow")
    assert hotline.path == ("welcome", "main", "opening_hours", "goodbye")
    assert "We are open from nine to five, Monday to Friday." in hotline.heard

    balance = reach_an_end(FLOWS / "balance.flow", http=SYSTEMS)
    assert balance.path[-4:] == ("lookup", "read_balance", "text_balance", "goodbye")
    assert "Your balance is 12.5 USD." in balance.heard


def test_by_default_a_business_system_answers_an_empty_success() -> None:
    """The empty reply holds no balance: the lookup takes its error exit, to an agent; a reply
    given as a mapping, as in a call script's `http:`, goes first."""
    reached = reach_an_end(FLOWS / "balance.flow")
    assert (reached.end, reached.steps) == ("transfer", press("1"))
    assert "sorry" in reached.path

    balance = {"balance": {"amount": 3, "currency": "EUR"}}
    given = reach_an_end(
        FLOWS / "balance.flow", http={"GET https://core.bank.example/*": {"json": balance}}
    )
    assert given.end == "hangup"
    assert "Your balance is 3 EUR." in given.heard


def test_the_clock_is_fixed_and_can_be_set() -> None:
    """During opening hours the schedule sends the call straight to an agent: no step at all."""
    reached = reach_an_end(FLOWS / "after_hours.flow", at="2026-11-23T10:00:00+08:00")
    assert reached == Reached((), "transfer", ("hours", "agent"), ())


def test_the_search_is_deterministic_and_its_script_replays() -> None:
    first = reach_an_end(FLOWS / "agent_queue.json")
    assert reach_an_end(FLOWS / "agent_queue.json") == first
    sim, flow = deploy(FLOWS / "agent_queue.json")
    call = replay(sim, flow, first.steps)
    assert end_of(call) == "transfer"
    assert tuple(call.path) == first.path


def say(text: str) -> dict[str, object]:
    return {"text": {"en-US": text}}


def write(folder: Path, flow: Mapping[str, object]) -> Path:
    path = folder / f"{flow['flow']}.json"
    path.write_text(json.dumps({"languages": ["en-US"], **flow}, indent=1), encoding="utf-8")
    return path


#: A vault: a four-digit code (tidied by a set node before a branch compares it), then a menu
#: whose first two keys lead back in; only key 3 leaves. Wrong codes loop back to the code, and
#: silence runs out the retries into an engine error, which is no end.
VAULT: dict[str, object] = {
    "flow": "vault",
    "start": "pin",
    "variables": {
        "code": {"type": "string", "default": ""},
        "entered": {"type": "string", "default": ""},
    },
    "nodes": {
        "pin": {
            "type": "collect",
            "prompt": say("Enter your code."),
            "variable": "code",
            "min_digits": 4,
            "max_digits": 4,
            "timeout": 5,
            "retries": 1,
            "next": "tidy",
        },
        "tidy": {"type": "set", "assign": {"entered": "trim(code)"}, "next": "check"},
        "check": {
            "type": "branch",
            "cases": [{"when": "entered == '4321'", "next": "vault_menu"}],
            "default": "wrong",
        },
        "wrong": {"type": "play", "prompt": say("That is not the code."), "next": "pin"},
        "vault_menu": {
            "type": "menu",
            "prompt": say("For the news, press 1. To start again, press 2. To leave, press 3."),
            "choices": [
                {"key": "1", "next": "news"},
                {"key": "2", "next": "pin"},
                {"key": "3", "next": "goodbye"},
            ],
            "timeout": 5,
        },
        "news": {"type": "play", "prompt": say("There is no news."), "next": "vault_menu"},
        "goodbye": {"type": "hangup", "prompt": say("Goodbye."), "reason": "left"},
    },
}


def test_the_keys_come_from_the_flow_even_the_unlikely_ones(tmp_path: Path) -> None:
    reached = reach_an_end(write(tmp_path, VAULT))
    assert reached.steps == press("4321", "3")
    assert reached.end == "hangup"
    assert reached.path == ("pin", "tidy", "check", "vault_menu", "goodbye")
    assert reached.heard[-1] == "Goodbye."


def test_the_bounds_stop_the_search_and_say_so(tmp_path: Path) -> None:
    vault = write(tmp_path, VAULT)
    with pytest.raises(AssertionError, match="max_steps=1") as short:
        reach_an_end(vault, max_steps=1)
    assert "the deepest call went: pin > tidy > check > vault_menu" in str(short.value)
    assert "by the script: press 4321" in str(short.value)
    with pytest.raises(AssertionError, match="max_tries=2"):
        reach_an_end(vault, max_tries=2)


def test_a_flow_with_no_way_out_fails_clearly(tmp_path: Path) -> None:
    """A menu whose keys both come back to it and whose silence ends in an engine error (it has
    no exhausted exit): the search runs out of new call states and says what it saw."""
    carousel = write(
        tmp_path,
        {
            "flow": "carousel",
            "start": "main",
            "nodes": {
                "main": {
                    "type": "menu",
                    "prompt": say("Press 1 to hear this again. Press 2 for the news."),
                    "choices": [{"key": "1", "next": "again"}, {"key": "2", "next": "news"}],
                    "timeout": 5,
                },
                "again": {"type": "play", "prompt": say("Once more."), "next": "main"},
                "news": {"type": "play", "prompt": say("No news."), "next": "main"},
            },
        },
    )
    with pytest.raises(AssertionError) as failed:
        reach_an_end(carousel)
    message = str(failed.value)
    assert message.startswith(f"{carousel}: no call of flow 'carousel' reached a hangup")
    assert "every call state the flow's own keys, digits and recordings lead to" in message
    assert "the deepest call went: main > again > main" in message
    assert "waits seen: main (menu)" in message
    assert "calls that ended otherwise: 'error' after main: error: no-input 3: exhausted" in message


def test_the_subflows_a_flow_calls_are_deployed_and_searched(tmp_path: Path) -> None:
    """The code the subflow's branch wants is found from the subflow; its answer, copied back,
    sends the call to an agent."""
    write(
        tmp_path,
        {
            "flow": "checker",
            "start": "code",
            "variables": {
                "verdict": {"type": "string", "default": "no", "output": True},
                "digits": {"type": "string", "default": ""},
            },
            "nodes": {
                "code": {
                    "type": "collect",
                    "prompt": say("Your code?"),
                    "variable": "digits",
                    "min_digits": 3,
                    "max_digits": 3,
                    "timeout": 5,
                    "next": "is_it",
                    "exhausted": "done",
                },
                "is_it": {
                    "type": "branch",
                    "cases": [{"when": "digits == '777'", "next": "good"}],
                    "default": "done",
                },
                "good": {"type": "set", "assign": {"verdict": "'yes'"}, "next": "done"},
                "done": {"type": "hangup", "return": True},
            },
        },
    )
    front = write(
        tmp_path,
        {
            "flow": "front",
            "start": "ask",
            "variables": {"ok": {"type": "string", "default": ""}},
            "nodes": {
                "ask": {
                    "type": "subflow",
                    "flow": "checker",
                    "outputs": {"ok": "verdict"},
                    "next": "route",
                    "error": "bye",
                },
                "route": {
                    "type": "branch",
                    "cases": [{"when": "ok == 'yes'", "next": "agent"}],
                    "default": "bye",
                },
                "agent": {"type": "transfer", "queue": "general", "failure": "bye"},
                "bye": {"type": "hangup", "prompt": say("Goodbye.")},
            },
        },
    )
    reached = reach_an_end(front)
    assert (reached.end, reached.steps) == ("transfer", press("777"))
    assert reached.path[-3:] == ("ask", "route", "agent")
