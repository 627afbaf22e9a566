"""Interpreter and function table: semantics flow authors rely on, errors, and cost bounds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sce.expr import (
    FUNCTIONS,
    ExprError,
    ExprEvalError,
    ExprLimitError,
    ExprNameError,
    ExprTypeError,
    Node,
    evaluate,
    parse_expression,
)
from sce.expr.values import MAX_TEXT
from tests.expr.test_parser import EXPRESSIONS

ENV: dict[str, object] = {
    "balance": 250,
    "rate": 1.5,
    "tier": "gold",
    "digits": "12",
    "vip": True,
    "empty": "",
    "nothing": None,
    "langs": ["en", "fr", "zh"],
    "caller": {"number": "+15550100", "name": "Ann", "tags": ["a", "b"]},
    "http": {"balance": {"amount": 12.0}, "items": [{"name": "x"}, {"name": "y"}]},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("7 / 2", 3.5),
        ("6 / 3", 2.0),
        ("7 % 3", 1),
        ("-7 % 3", 2),
        ("-balance", -250),
        ("balance * rate", 375.0),
        ("'a' + 'b'", "ab"),
        ("tier + '!'", "gold!"),
        ("1 == 1.0", True),
        ("1 != 1.0", False),
        ('"12" == 12', False),
        ("digits == 12", False),
        ("digits == '12'", True),
        ("true == 1", False),
        ("null == null", True),
        ("nothing == null", True),
        ("[1, 2] == [1, 2.0]", True),
        ("[1, 2] == [2, 1]", False),
        ("caller == caller", True),
        ("1 == 'a'", False),
        ("1 != 'a'", True),
        ("'a' < 'b'", True),
        ("2 >= 2.0", True),
        ("balance > 100 and tier == 'gold'", True),
        ("balance > 1000 or vip", True),
        ("not vip", False),
        ("not nothing", True),
        ("'en' in langs", True),
        ("'de' not in langs", True),
        ("'ol' in 'gold'", True),
        ("2 in [1, 2.0]", True),
        ("caller.number", "+15550100"),
        ("http.balance.amount", 12.0),
        ("http.missing.amount", None),
        ("caller.missing", None),
        ("undefined_var", None),
        ("langs[0]", "en"),
        ("langs[-1]", "zh"),
        ("langs[1.0]", "fr"),
        ("langs[9]", None),
        ("tier[0]", "g"),
        ("http.items[1].name", "y"),
        ("caller['name']", "Ann"),
        ("caller['nope']", None),
        ("nothing[0]", None),
        ("[1, [2, 3]][1][0]", 2),
        ("[]", []),
    ],
)
def test_values(source: str, expected: object) -> None:
    result = evaluate(parse_expression(source), ENV)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "truthy"),
    [(None, False), ("", False), (0, False), (0.0, False), (False, False), ([], False),
     ({}, False), ("0", True), (1, True), (-0.5, True), ([0], True), ({"a": 1}, True),
     (True, True), (" ", True)],
)  # fmt: skip
def test_truthiness(value: object, truthy: bool) -> None:
    assert evaluate("x or false", {"x": value}) is truthy
    assert evaluate("x and true", {"x": value}) is truthy
    assert evaluate("not x", {"x": value}) is (not truthy)


def test_logical_operators_short_circuit() -> None:
    assert evaluate("false and 1 / 0 == 1", {}) is False
    assert evaluate("true or 1 / 0 == 1", {}) is True
    with pytest.raises(ExprEvalError):
        evaluate("true and 1 / 0 == 1", {})


@pytest.mark.parametrize(
    ("source", "error", "message", "column"),
    [
        ("1 / 0", ExprEvalError, "cannot divide by zero", 1),
        ("rate / 0.0", ExprEvalError, "cannot divide by zero", 1),
        ("5 % 0", ExprEvalError, "cannot divide by zero", 1),
        ("true + 1", ExprEvalError, "cannot add true/false and a number", 1),
        ("'a' + 1", ExprEvalError, "cannot add text and a number; use text(x) to join them as text", 1),
        ("2 * (tier - 1)", ExprEvalError, "cannot use '-' on text and a number; it needs two numbers", 6),
        ("-tier", ExprEvalError, "'-' needs a number, not text", 1),
        ("1 < 'a'", ExprEvalError, "cannot compare a number and text with '<'", 1),
        ("nothing > 1", ExprEvalError, "cannot compare null and a number with '>'; if a variable may be unset, use default(x, 0)", 1),
        ("[1] <= [2]", ExprEvalError, "cannot compare a list and a list with '<='", 1),
        ("1 in 5", ExprEvalError, "'in' needs a list or text on the right, not a number", 1),
        ("1 in 'abc'", ExprEvalError, "'in' on text needs text on the left, not a number", 1),
        ("caller.number.x", ExprEvalError, "'caller.number' is text, it has no field 'x'", 1),
        ("x + lenn(tier)", ExprNameError, "unknown function 'lenn' (did you mean 'len'?)", 5),
        ("len(tier, 2)", ExprTypeError, "len takes 1 value, got 2", 1),
        ("round()", ExprTypeError, "round takes 1 or 2 values, got 0", 1),
        ("substr('a')", ExprTypeError, "substr takes 2 or 3 values, got 1", 1),
        ("min()", ExprTypeError, "min takes at least 1 value, got 0", 1),
        ("upper(balance)", ExprEvalError, "upper needs text as its first value, not a number", 7),
        ("len(tier) + len(5)", ExprEvalError, "len needs text or a list as its first value, not a number", 17),
        ("number('12a')", ExprEvalError, "'12a' is not a number", 1),
        ("langs['a']", ExprEvalError, "a position must be a whole number, not text", 7),
        ("langs[0.5]", ExprEvalError, "a position must be a whole number, not a number", 7),
        ("caller[1]", ExprEvalError, "a field name must be text, not a number", 8),
        ("balance[0]", ExprEvalError, "cannot take an item of a number", 1),
        ("min([])", ExprEvalError, "min of an empty list has no value", 1),
    ],
)  # fmt: skip
def test_errors(source: str, error: type[ExprError], message: str, column: int) -> None:
    with pytest.raises(error) as info:
        evaluate(source, ENV)
    assert type(info.value) is error
    assert str(info.value) == message
    assert info.value.column == column


def test_step_bound_stops_a_deep_expression() -> None:
    source = "+".join(["1"] * 60)  # 119 nodes
    assert evaluate(source, {}, max_steps=119) == 60
    with pytest.raises(ExprLimitError, match="more than 118 steps"):
        evaluate(source, {}, max_steps=118)


def test_step_bound_default_stops_a_long_list_of_work() -> None:
    node = parse_expression("[" + ", ".join(["len(x) + 1"] * 150) + "]")
    with pytest.raises(ExprLimitError):
        evaluate(node, {"x": "abc"}, max_steps=500)
    assert evaluate(node, {"x": "abc"}) == [4] * 150  # 601 steps


class Spy:
    """An object that records any attempt to look inside it."""

    touched: list[str] = []

    def __getattr__(self, name: str) -> object:
        Spy.touched.append(name)
        return "secret"

    def __eq__(self, other: object) -> bool:
        Spy.touched.append("__eq__")
        return True

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    "source",
    [
        "obj",
        "obj.name",
        "obj == 1",
        "[1] == [obj]",
        "text(box.items)",
        "obj in [1]",
        "box.items[0]",
    ],
)
def test_python_objects_are_never_inspected(source: str) -> None:
    Spy.touched = []
    env: dict[str, object] = {"obj": Spy(), "box": {"items": [Spy()]}}
    with pytest.raises(ExprEvalError, match="unsupported kind"):
        evaluate(source, env)
    assert Spy.touched == []


def test_subclasses_of_plain_types_are_refused() -> None:
    class Text(str):
        def upper(self) -> str:  # would run if the interpreter called methods on values
            raise AssertionError("called")

    with pytest.raises(ExprEvalError, match="unsupported kind"):
        evaluate("upper(x)", {"x": Text("a")})


def test_results_are_bounded() -> None:
    big = "x" * 6000
    with pytest.raises(ExprEvalError, match="too long"):
        evaluate("s + s", {"s": big})
    with pytest.raises(ExprEvalError, match="too large"):
        evaluate("n * n * n", {"n": 10**40})
    with pytest.raises(ExprEvalError, match="too large"):
        evaluate("n * 1.5", {"n": 10**400})
    with pytest.raises(ExprEvalError, match="too large"):
        evaluate("n / 3", {"n": 10**400})
    with pytest.raises(ExprEvalError, match="too large"):
        evaluate("n * 10", {"n": 1e308})


def test_self_containing_list_does_not_hang() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ExprEvalError):
        evaluate("x == y", {"x": loop, "y": loop})
    with pytest.raises(ExprEvalError):
        evaluate("x in x", {"x": loop})


# -- functions --------------------------------------------------------------------------------

FUNCTION_CASES = [
    ("len('欢迎')", 2),
    ("len('')", 0),
    ("len(langs)", 3),
    ("upper('hello 欢迎 ß')", "HELLO 欢迎 SS"),
    ("lower('ÉCOLE Abc 欢迎')", "école abc 欢迎"),
    ("trim('  hi \\n')", "hi"),
    ("digits('+1 (555) 0100')", "15550100"),
    ("digits('電話 ٣12')", "12"),
    ("digits(12.5)", "125"),
    ("number('12')", 12),
    ("number(' -12.50 ')", -12.5),
    ("number(7)", 7),
    ("text(12)", "12"),
    ("text(12.0)", "12"),
    ("text(0.1 + 0.2)", "0.3"),
    ("text(null)", ""),
    ("text(true)", "true"),
    ("text(langs)", "en, fr, zh"),
    ("round(2.5)", 3),
    ("round(-2.5)", -3),
    ("round(2.675, 2)", 2.68),
    ("round(1234, -2)", 1200),
    ("round(7)", 7),
    ("abs(-3.5)", 3.5),
    ("min(3, 1.5, 2)", 1.5),
    ("max(3, 1.5, 2)", 3),
    ("max([4, 9, 2])", 9),
    ("min(5)", 5),
    ("starts_with(caller.number, '+1')", True),
    ("ends_with('欢迎光临', '光临')", True),
    ("contains('hello', 'ell')", True),
    ("contains(langs, 'de')", False),
    ("contains([1, 2], 2.0)", True),
    ("matches('order 1234', '[0-9]{4}')", True),
    ("matches('12345', '^[0-9]{4}$')", False),
    ("matches('YES', '(?i)^y')", True),
    ("if(tier == 'gold', 10, 1)", 10),
    ("if(nothing, 'yes', 'no')", "no"),
    ("default(nothing, 'none')", "none"),
    ("default(empty, 'none')", "none"),
    ("default(0, 5)", 0),
    ("default(tier, 'none')", "gold"),
    ("substr('欢迎光临', 2)", "光临"),
    ("substr('abcdef', 1, 3)", "bcd"),
    ("substr('abcdef', -2)", "ef"),
    ("substr('abc', 10, 2)", ""),
    ("replace('a-b-c', '-', ' ')", "a b c"),
    ("join(langs, '/')", "en/fr/zh"),
    ("join([1, 2.0, null, true])", "1, 2, , true"),
    ("split('a,b,,c', ',')", ["a", "b", "", "c"]),
    ("split('欢迎', '')", ["欢", "迎"]),
    ("spell('1234')", "1 2 3 4"),
    ("spell(905)", "9 0 5"),
    ("spell('12 34')", "1 2 3 4"),
]


@pytest.mark.parametrize(("source", "expected"), FUNCTION_CASES)
def test_functions(source: str, expected: object) -> None:
    result = evaluate(source, ENV)
    assert result == expected
    assert type(result) is type(expected)


def test_every_function_is_tested_and_documented() -> None:
    tested = {source.split("(")[0] for source, _ in FUNCTION_CASES}
    assert tested == set(FUNCTIONS)
    for fn in FUNCTIONS.values():
        assert fn.doc and "\n" not in fn.doc
        assert fn.returns in {"number", "string", "bool", "list", "any"}
        low, high = fn.arity
        assert low >= 0 and (high is None or high >= low)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("replace(s, 'x', s)", "too long"),
        ("replace(long, '', '12')", "too long"),
        ("join(many, s)", "too long"),
        ("upper(long)", "too long"),
        ("split(huge, '')", "too long"),
        ("split(huge, 'a')", "too long"),
        ("spell(long)", "too long"),
        ("round(1.5, 11)", "between -10 and 10"),
        ("round(1.5, 0.5)", "whole number"),
        ("substr('abc', 0.5)", "whole number"),
        ("substr('abc', 0, -1)", "cannot be negative"),
        ("contains('abc', 1)", "needs text to look for"),
        ("matches('aaa', '(a)\\\\1')", "back-references"),
        ("max([1, 'a'])", "needs numbers"),
        ("join([[1]])", "only a list of texts or numbers can be turned into text"),
        ("text(caller)", "cannot be turned into text"),
        ("number('1e5')", "is not a number"),
        ("number('nan')", "is not a number"),
    ],
)
def test_function_failures_are_eval_errors(source: str, message: str) -> None:
    env = ENV | {"s": "x" * 200, "many": ["y"] * 100, "long": "ß" * 6000, "huge": "a" * 10_001}
    with pytest.raises(ExprEvalError, match=message) as info:
        evaluate(source, env)
    assert info.value.column == 1


def test_result_limit_is_exact() -> None:
    assert len(evaluate("replace(s, 'a', 'bb')", {"s": "a" * (MAX_TEXT // 2)})) == MAX_TEXT  # type: ignore[arg-type]
    with pytest.raises(ExprEvalError):
        evaluate("replace(s, 'a', 'bb')", {"s": "a" * (MAX_TEXT // 2 + 1)})


# -- properties --------------------------------------------------------------------------------

SMALL_ENV = st.fixed_dictionaries(
    {},
    optional={
        name: st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                      st.text(max_size=4)),
            lambda inner: st.one_of(st.lists(inner, max_size=3),
                                    st.dictionaries(st.text(max_size=2), inner, max_size=3)),
            max_leaves=6,
        )
        for name in ["a", "b", "x", "len", "_"]
    },
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS, SMALL_ENV)
def test_evaluation_returns_a_value_or_an_expr_error(node: Node, env: dict[str, object]) -> None:
    try:
        value = evaluate(node, env, max_steps=200)
    except ExprError as e:
        assert str(e)
    else:
        assert value is None or type(value) in (bool, int, float, str, list, dict)
