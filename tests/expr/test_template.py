"""Templates: parsing texts with {expr} parts, rendering for callers, columns in the whole text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sce.expr import (
    ExprError,
    ExprEvalError,
    ExprLimitError,
    ExprNameError,
    ExprSyntaxError,
    ExprTypeError,
    Template,
    parse_expression,
    parse_template,
    render,
)
from sce.expr.ast import Var


def test_parts() -> None:
    template = parse_template("Your balance is {balance} dollars")
    assert template.parts == ("Your balance is ", Var(("balance",)), " dollars")
    assert template.offsets == (0, 17, 25)
    assert template.variables() == {"balance"}


def test_doubled_braces_are_literal() -> None:
    template = parse_template("{{code}} is {{{x}}}")
    assert template.parts == ("{code} is {", Var(("x",)), "}")
    assert render(template, {"x": 5}) == "{code} is {5}"


def test_braces_inside_quoted_text_do_not_end_the_expression() -> None:
    template = parse_template("a {default(x, '}')} b {\"{\" + y}")
    assert render(template, {"y": "!"}) == "a } b {!"


def test_plain_and_empty_texts() -> None:
    assert parse_template("").parts == ()
    assert parse_template("hello").parts == ("hello",)
    assert render("hello", {}) == "hello"


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (12.0, "12"),
        (12, "12"),
        (12.5, "12.5"),
        (0.1 + 0.2, "0.3"),
        (-0.0, "0"),
        (1e20, "100000000000000000000"),
        (None, ""),
        (True, "true"),
        (False, "false"),
        ("欢迎", "欢迎"),
        (["a", 1, 2.0], "a, 1, 2"),
    ],
)
def test_rendering_of_values(value: object, said: str) -> None:
    assert render("[{v}]", {"v": value}) == f"[{said}]"


def test_render_expressions_and_functions() -> None:
    env = {"caller": {"number": "5550100"}, "balance": 1234.5, "name": None}
    text = "Hello {default(name, 'there')}, {spell(caller.number)}: {round(balance)} dollars"
    assert render(text, env) == "Hello there, 5 5 5 0 1 0 0: 1235 dollars"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("Hello {name", "'{' at column 7 is never closed; add '}' (or write '{{' for a brace)", 7),
        ("Hello name}", "a single '}' must be written '}}'", 11),
        (
            "a {} b",
            "empty '{}': put a variable inside, e.g. {balance}, or write '{{' for a brace",
            3,
        ),
        (
            "a {  } b",
            "empty '{}': put a variable inside, e.g. {balance}, or write '{{' for a brace",
            3,
        ),
        ("{a} and {b && c}", "use 'and' instead of '&&'", 12),
        ("ok {x} {y +}", "expected a value after '+'", 12),
        ("{a {b}}", "'{' cannot appear inside '{...}'; close the first one with '}'", 4),
        ("x {'abc}", "text starting at column 4 is never closed; add a closing '", 4),
        ("第一 {a = 1}", "use '==' to compare", 7),
    ],
)
def test_syntax_errors_carry_the_column_in_the_whole_text(
    text: str, message: str, column: int
) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse_template(text)
    assert str(info.value) == message
    assert info.value.column == column
    assert text[column - 1 : column] != "" or column == len(text) + 1


def test_render_errors_carry_the_column_in_the_whole_text() -> None:
    with pytest.raises(ExprEvalError) as info:
        render("Total: {a} / {b / 0}", {"a": 1, "b": 2})
    assert str(info.value) == "cannot divide by zero"
    assert (info.value.column, info.value.end_column) == (15, 20)
    with pytest.raises(ExprEvalError, match="cannot be turned into text") as info:
        render("Hi {caller}", {"caller": {"a": 1}})
    assert info.value.column == 5


def test_step_bound_covers_the_whole_template() -> None:
    text = "{1 + 1} {2 + 2}"  # 3 steps each
    assert render(text, {}, max_steps=6) == "2 4"
    with pytest.raises(ExprLimitError) as info:
        render(text, {}, max_steps=5)
    assert info.value.column == 14  # the last '2': the sixth step


def test_rendered_text_is_bounded() -> None:
    with pytest.raises(ExprEvalError, match="too long"):
        render("{s}{s}", {"s": "x" * 6000})


def test_check_reports_columns_in_the_whole_text() -> None:
    template = parse_template("Dear {nmae}, you owe {balance + 'x'}")
    problems = template.check({"name": "string", "balance": "number"})
    assert [(type(p), str(p), p.column, p.end_column) for p in problems] == [
        (ExprNameError, "unknown variable 'nmae' (did you mean 'name'?)", 7, 11),
        (ExprTypeError, "cannot add text and a number; use text(x) to join them as text", 23, 36),
    ]


def test_equality_ignores_positions() -> None:
    assert parse_template("a{x}") == Template(("a", parse_expression("x")))
    assert parse_template("{ x }") == parse_template("{x}")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab {}'\"\\+=x.1欢")), max_size=30) | st.text())
def test_any_text_parses_or_raises_expr_error(text: str) -> None:
    try:
        template = parse_template(text)
    except ExprError as e:
        assert 1 <= e.column <= len(text) + 1
    else:
        assert isinstance(template, Template)


def test_huge_numbers_are_not_said() -> None:
    with pytest.raises(ExprEvalError, match="too large to say"):
        render("{n}", {"n": 10**5000})
    with pytest.raises(ExprEvalError, match="too large to say"):
        render("{n}", {"n": float("inf")})
