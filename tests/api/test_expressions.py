"""`POST /api/expressions`: the designer checks the condition or prompt being typed and hears
what `sce lint` would say of it, with columns to underline, for any text at all."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sce.access.roles import Role
from sce.loader import load_path
from tests.api.people import People
from tests.api.test_flows import assert_error


def check(client: FlaskClient, kind: str, text: str, **more: object) -> dict:
    r = client.post("/api/expressions", json={"kind": kind, "text": text, **more})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


@pytest.fixture
def balance(flows_dir: Path) -> dict:
    """The balance line's document, as the designer holds it."""
    return load_path(flows_dir / "balance.flow").data


def test_a_good_condition_gives_its_type(client: FlaskClient) -> None:
    found = check(
        client,
        "expression",
        "balance > 100 and tier == 'gold'",
        variables={"balance": "number", "tier": {"type": "string", "default": "basic"}},
    )
    assert found == {"ok": True, "type": "bool", "errors": []}
    assert check(client, "expression", "caller + '!'")["type"] == "string"  # a built-in value


def test_a_misspelt_variable_is_underlined_with_a_suggestion(client: FlaskClient) -> None:
    found = check(client, "expression", "1 + balanse", variables={"balance": "number"})
    assert found["ok"] is False and found["type"] is None
    [error] = found["errors"]
    assert error["code"] == "SCE203"
    assert "did you mean 'balance'" in error["message"]
    assert (error["column"], error["end_column"]) == (5, 12)  # "balanse"


def test_a_syntax_error_says_where_the_text_goes_wrong(client: FlaskClient) -> None:
    [error] = check(client, "expression", "balance >> 1000")["errors"]
    assert error["code"] == "SCE201"
    assert 9 <= error["column"] < error["end_column"] <= 12


def test_columns_in_a_prompt_count_from_the_start_of_the_whole_text(
    client: FlaskClient,
) -> None:
    text = "您好 {caller}, your balance is {balance - 'x'}."
    found = check(client, "template", text, variables={"balance": "number"})
    [error] = found["errors"]
    assert error["code"] == "SCE202"
    assert text[error["column"] - 1 : error["end_column"] - 1] == "balance - 'x'"
    good = check(client, "template", "您好 {caller}, {{literal}} braces")
    assert good == {"ok": True, "type": "string", "errors": []}
    [unclosed] = check(client, "template", "Press {key")["errors"]
    assert unclosed["code"] == "SCE201" and unclosed["column"] == 7


def test_the_variables_come_from_the_flow_draft_and_the_body_wins(
    client: FlaskClient, balance: dict
) -> None:
    declared = next(iter(balance["variables"]))
    assert check(client, "expression", declared, document=balance)["ok"] is True
    assert check(client, "expression", declared)["errors"][0]["code"] == "SCE203"
    overridden = check(
        client, "expression", f"{declared} + 1", document=balance, variables={declared: "list"}
    )
    assert overridden["errors"][0]["code"] == "SCE202"


def test_a_broken_draft_still_gives_the_variables_it_declares(client: FlaskClient) -> None:
    draft = {
        "flow": "draft",
        "nodes": {"x": {"type": "nonsense"}},
        "variables": {"count": {"type": "number"}, "odd": {"type": 7}, "bare": 3},
    }
    assert check(client, "expression", "count * 2", document=draft)["type"] == "number"
    assert check(client, "expression", "odd + bare", document=draft)["ok"] is True  # any


def test_the_answer_is_what_sce_lint_says_of_the_same_condition(
    client: FlaskClient, balance: dict
) -> None:
    """The endpoint and the linter use one checker: a condition the lint refuses is refused here
    with the same code and message."""
    document = copy.deepcopy(balance)
    branch = next(nid for nid, n in document["nodes"].items() if n["type"] == "branch")
    condition = "language > 3"
    document["nodes"][branch]["cases"][0]["when"] = condition
    linted = client.post("/api/lint", json={"document": document}).json["diagnostics"]
    [finding] = [d for d in linted if d["pointer"] == f"/nodes/{branch}/cases/0/when"]
    [error] = check(client, "expression", condition, document=document)["errors"]
    assert error["code"] == finding["code"] == "SCE202"
    assert finding["message"].startswith(error["message"])


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"text": "1"}, "/kind is missing"),
        ({"kind": "sql", "text": "1"}, "/kind must be 'expression' or 'template'"),
        ({"kind": "expression"}, "/text is missing"),
        ({"kind": "expression", "text": 5}, "/text must be a string"),
        ({"kind": "expression", "text": "a", "variables": ["a"]}, "/variables must be an object"),
        ({"kind": "expression", "text": "a", "variables": {"a": 1}}, "/variables/a must be"),
        ({"kind": "expression", "text": "a", "variables": {"a": {"type": 1}}}, "/variables/a"),
        ({"kind": "expression", "text": "a", "document": "flow x"}, "/document must be"),
    ],
)
def test_a_body_the_check_cannot_use_says_what_is_wrong(
    client: FlaskClient, body: dict, words: str
) -> None:
    assert_error(client.post("/api/expressions", json=body), 400, words)


def test_a_huge_body_is_refused_before_it_is_read(client: FlaskClient) -> None:
    big = {"kind": "template", "text": "x" * (1024 * 1024 + 1)}
    assert_error(client.post("/api/expressions", json=big), 413, "may be at most 1 MiB")


def test_a_long_text_is_an_answer_not_a_failure(client: FlaskClient) -> None:
    found = check(client, "expression", "1 + " * 1000 + "1")
    assert found["ok"] is False and "too long" in found["errors"][0]["message"]
    deep = check(client, "expression", "(" * 500 + "1" + ")" * 500)
    assert deep["ok"] is False and deep["errors"][0]["code"] == "SCE201"


def test_it_answers_while_the_user_types(client: FlaskClient, balance: dict) -> None:
    """A keystroke's check, with the whole draft in the body, takes milliseconds."""
    condition = "balance > 100 and language == 'zh-CN'"
    started = time.perf_counter()
    for i in range(1, len(condition) + 1):
        check(client, "expression", condition[:i], document=balance)
    per_check = (time.perf_counter() - started) / len(condition)
    assert per_check < 0.02


def test_it_needs_a_reader_once_there_are_users(client: FlaskClient, people: People) -> None:
    body = {"kind": "expression", "text": "1"}
    assert_error(client.post("/api/expressions", json=body), 401, "log in first")
    refused = client.post("/api/expressions", json=body, headers=people.token(Role.VOICE))
    assert_error(refused, 403, "may not read flows")
    allowed = client.post("/api/expressions", json=body, headers=people.token(Role.VIEWER))
    assert allowed.status_code == 200 and allowed.json["type"] == "number"


TYPES = st.sampled_from(["number", "string", "bool", "list", "object", "any", "null", "weird"])
#: Texts made of the expression language's own pieces, so that most get past the first character.
PIECES = st.sampled_from(
    [
        "a", "b.c", "1", "2.5", "'x'", '"y"', "{", "}", "{{", "}}", "(", ")", "[", "]", ",", " ",
        "+", "-", "*", "/", "%", "==", "!=", "<", ">=", "and", "or", "not", "in", "null", "true",
        "len(", "upper(", "default(", "\\", "您好", "é", "\n", "\t", "'", '"', ".", "x[0]",
    ]
)  # fmt: skip
TEXTS = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=30).map("".join))


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kind=st.sampled_from(["expression", "template"]),
    text=TEXTS,
    variables=st.dictionaries(st.sampled_from(["a", "b", "x", "len"]), TYPES, max_size=3),
)
def test_any_text_gets_an_answer_with_columns_inside_it(
    client: FlaskClient, kind: str, text: str, variables: dict[str, str]
) -> None:
    found = check(client, kind, text, variables=variables)
    assert found["ok"] is (found["errors"] == [])
    assert (found["type"] is None) is not found["ok"]
    for error in found["errors"]:
        assert error["message"] and error["code"] in ("SCE201", "SCE202", "SCE203")
        assert 1 <= error["column"] < error["end_column"] <= len(text) + 2, (text, error)
