"""Static checker: inferred types, every problem reported with its column, and names()."""

from __future__ import annotations

import pytest

from sce.expr import ExprNameError, ExprTypeError, check, names, parse_expression

VARIABLES = {
    "balance": "number",
    "tier": "string",
    "vip": "bool",
    "langs": "list",
    "http": "object",
    "data": "any",
    "nothing": "null",
    "account": "text",  # other spellings are accepted
}


def kind(source: str) -> str:
    result, problems = check(parse_expression(source), VARIABLES)
    assert problems == [], [str(p) for p in problems]
    return result


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1", "number"),
        ("2.5", "number"),
        ("'a'", "string"),
        ("true", "bool"),
        ("null", "null"),
        ("[1, 'a']", "list"),
        ("balance", "number"),
        ("account", "string"),
        ("http", "object"),
        ("http.balance.amount", "any"),
        ("data.x.y", "any"),
        ("balance * 2 - 1", "number"),
        ("tier + '!'", "string"),
        ("data + 1", "number"),
        ("'a' + data", "string"),
        ("data + data", "any"),
        ("-data", "number"),
        ("balance > 1 and vip", "bool"),
        ("not tier", "bool"),
        ("not langs", "bool"),
        ("tier == null", "bool"),
        ("balance == data", "bool"),
        ("'en' in langs", "bool"),
        ("'ol' in tier", "bool"),
        ("data in data", "bool"),
        ("len(tier)", "number"),
        ("upper(tier)", "string"),
        ("split(tier, ',')", "list"),
        ("default(tier, 'x')", "string"),
        ("default(data, 0)", "any"),
        ("default(nothing, 0)", "number"),
        ("max(langs)", "number"),
        ("langs[0]", "any"),
        ("tier[0]", "string"),
        ("http['x']", "any"),
        ("text(http.code)", "string"),
    ],
)
def test_inferred_types(source: str, expected: str) -> None:
    assert kind(source) == expected


PROBLEMS = [
    ("balanse > 1", ExprNameError, "unknown variable 'balanse' (did you mean 'balance'?)", 1),
    ("x + 1", ExprNameError, "unknown variable 'x'", 1),
    ("vip and True", ExprNameError, "unknown variable 'True' (did you mean 'true'?)", 9),
    ("len == 3", ExprNameError, "unknown variable 'len' ('len' is a function: write len(...))", 1),
    ("lenght(tier)", ExprNameError, "unknown function 'lenght' (did you mean 'len'?)", 1),
    ("frobnicate(1)", ExprNameError, "unknown function 'frobnicate'", 1),
    ("len(tier, 1)", ExprTypeError, "len takes 1 value, got 2", 1),
    ("replace(tier, 'a')", ExprTypeError, "replace takes 3 values, got 2", 1),
    ("'a' - 1", ExprTypeError, "cannot use '-' on text and a number; it needs two numbers", 1),
    ("tier + 1", ExprTypeError, "cannot add text and a number; use text(x) to join them as text", 1),
    ("balance + vip", ExprTypeError, "cannot add a number and true/false", 1),
    ("langs + langs", ExprTypeError, "cannot add a list and a list", 1),
    ("langs + data", ExprTypeError, "cannot add a list and a value", 1),
    ("-tier", ExprTypeError, "'-' needs a number, not text", 1),
    ("tier == 1", ExprTypeError, "text is never equal to a number; convert one side with number(x) or text(x)", 1),
    ("'12' != 12", ExprTypeError, "text is never equal to a number; convert one side with number(x) or text(x)", 1),
    ("vip == 1", ExprTypeError, "true/false is never equal to a number; convert one side with number(x) or text(x)", 1),
    ("tier < 3", ExprTypeError, "cannot compare text and a number with '<'", 1),
    ("vip > data", ExprTypeError, "cannot compare true/false and a value with '>'", 1),
    ("nothing >= 1", ExprTypeError, "cannot compare null and a number with '>='; if a variable may be unset, use default(x, 0)", 1),
    ("1 in balance", ExprTypeError, "'in' needs a list or text on the right, not a number", 1),
    ("1 not in 'abc'", ExprTypeError, "'not in' on text needs text on the left, not a number", 1),
    ("upper(balance)", ExprTypeError, "upper needs text, not a number", 7),
    ("substr(tier, '1')", ExprTypeError, "substr needs a number, not text", 14),
    ("len(http)", ExprTypeError, "len needs text or a list, not an object", 5),
    ("balance.amount", ExprTypeError, "'balance' is a number, it has no field 'amount'", 1),
    ("langs['a']", ExprTypeError, "a position must be a whole number, not text", 7),
    ("balance[0]", ExprTypeError, "cannot take an item of a number", 1),
]  # fmt: skip


@pytest.mark.parametrize(("source", "error", "message", "column"), PROBLEMS)
def test_problems(source: str, error: type, message: str, column: int) -> None:
    _, problems = check(parse_expression(source), VARIABLES)
    assert [(type(p), str(p), p.column) for p in problems] == [(error, message, column)]


def test_every_problem_is_reported_in_column_order() -> None:
    source = "balanse + 1 > 2 and upper(vip) == lenn(tier) or 'a' - 1"
    _, problems = check(parse_expression(source), VARIABLES)
    assert [(type(p).__name__, p.column) for p in problems] == [
        ("ExprNameError", 1),
        ("ExprTypeError", 27),
        ("ExprNameError", 35),
        ("ExprTypeError", 49),
    ]
    assert problems[0].end_column == 8


def test_any_is_compatible_with_everything() -> None:
    for source in ["data - 1", "data < 'a'", "data == 1", "upper(data)", "data[0]", "-data"]:
        assert check(parse_expression(source), {"data": "any"})[1] == [], source


def test_unknown_declared_type_counts_as_any() -> None:
    assert check(parse_expression("x - 1"), {"x": "banana"}) == ("number", [])


def test_unknown_variable_still_checks_the_rest() -> None:
    result, problems = check(parse_expression("missing * 2"), {})
    assert result == "number"
    assert [type(p) for p in problems] == [ExprNameError]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2", set()),
        ("a", {"a"}),
        ("caller.number == b.c.d", {"caller", "b"}),
        ("len(x) + [y, z[w]][0] - -v", {"x", "y", "z", "w", "v"}),
        ("not a in b or c and d", {"a", "b", "c", "d"}),
        ("f(a).b", {"a"}),  # .b after a call is a key, not a variable
    ],
)
def test_names(source: str, expected: set[str]) -> None:
    assert names(parse_expression(source)) == expected
