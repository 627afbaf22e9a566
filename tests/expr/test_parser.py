"""Parser: precedence, positions, error messages for flow authors, limits, round trips.

Trees compare equal regardless of positions (see sce/expr/ast.py), so round-trip tests compare
nodes directly, and compare :func:`_positions` when positions must survive too.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sce.expr import (
    FUNCTIONS,
    ExprError,
    ExprEvalError,
    ExprLimitError,
    ExprSyntaxError,
    Node,
    check,
    evaluate,
    names,
    parse_expression,
)
from sce.expr.ast import (
    BINARY_OPS,
    COMPARE_OPS,
    LOGICAL_OPS,
    UNARY_OPS,
    Binary,
    Call,
    Compare,
    Index,
    ListLit,
    Literal,
    Logical,
    Unary,
    Var,
    nesting,
)
from sce.expr.parser import KEYWORDS, MAX_DEPTH, MAX_LENGTH, _Parser
from sce.expr.printer import unparse


def lisp(node: Node) -> str:
    """Fully bracketed prefix form, to make precedence visible."""
    if isinstance(node, Literal | Var):
        return unparse(node)
    if isinstance(node, Unary):
        return f"({node.op} {lisp(node.operand)})"
    if isinstance(node, Binary | Logical | Compare):
        return f"({node.op} {lisp(node.left)} {lisp(node.right)})"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(lisp(a) for a in node.args)})"
    if isinstance(node, ListLit):
        return f"[{', '.join(lisp(i) for i in node.items)}]"
    assert isinstance(node, Index)
    return f"(index {lisp(node.target)} {lisp(node.index)})"


# -- precedence ------------------------------------------------------------------------------

PRECEDENCE = [
    ("1 + 2 * 3", "(+ 1 (* 2 3))"),
    ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
    ("1 - 2 - 3", "(- (- 1 2) 3)"),
    ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
    ("7 % 4 * 2", "(* (% 7 4) 2)"),
    ("a or b and c", "(or a (and b c))"),
    ("a and b or c", "(or (and a b) c)"),
    ("a or b or c", "(or (or a b) c)"),
    ("not a and b", "(and (not a) b)"),
    ("not a == b", "(not (== a b))"),
    ("not not a", "(not (not a))"),
    ("a == b and c != d", "(and (== a b) (!= c d))"),
    ("a + b < c * d", "(< (+ a b) (* c d))"),
    ("a % 2 == 0", "(== (% a 2) 0)"),
    ("-a * b", "(* (- a) b)"),
    ("- - a", "(- (- a))"),
    ("1 + -2", "(+ 1 (- 2))"),
    ("2 * -x", "(* 2 (- x))"),
    ("-a.b[0]", "(- (index a.b 0))"),
    ("x not in [1, 2] or y in 'abc'", '(or (not in x [1, 2]) (in y "abc"))'),
    ("len(s) + 1 >= 3", "(>= (+ len(s) 1) 3)"),
    ("f(a, b + 1)[0].name", '(index (index f(a, (+ b 1)) 0) "name")'),
    ("caller.number", "caller.number"),
    ("http.balance.amount > 0", "(> http.balance.amount 0)"),
    ("(a < b) == c", "(== (< a b) c)"),
    ("[1, 'a', null, true, false, 2.50]", '[1, "a", null, true, false, 2.5]'),
    ("f()", "f()"),
    ("[1, 2,]", "[1, 2]"),
    ("a.not.in", "a.not.in"),
    ("notable or android", "(or notable android)"),
]


@pytest.mark.parametrize(("source", "expected"), PRECEDENCE)
def test_precedence(source: str, expected: str) -> None:
    assert lisp(parse_expression(source)) == expected


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("1 + (2 * 3)", "1 + 2 * 3"),
        ("1 - (2 - 3)", "1 - (2 - 3)"),
        ("(a or b) and c", "(a or b) and c"),
        ("not (a and b)", "not (a and b)"),
        ("-(a + b)", "-(a + b)"),
        ("(a == b) == c", "(a == b) == c"),
        ("a==b", "a == b"),
        ("'it''s'", None),
        ("'say \"hi\"\\n'", '"say \\"hi\\"\\n"'),
        ("(f(x))[0]", "f(x)[0]"),
        ("(-1)[0]", "(-1)[0]"),
        ("x not in y", "x not in y"),
    ],
)
def test_unparse_uses_few_brackets(source: str, printed: str | None) -> None:
    if printed is None:
        with pytest.raises(ExprSyntaxError):
            parse_expression(source)
        return
    node = parse_expression(source)
    assert unparse(node) == printed
    assert parse_expression(printed) == node


def test_literal_values() -> None:
    assert parse_expression("12").value == 12  # type: ignore[attr-defined]
    assert type(parse_expression("12").value) is int  # type: ignore[attr-defined]
    assert type(parse_expression("12.0").value) is float  # type: ignore[attr-defined]
    assert parse_expression(r"'a\'b\\c\td\u00e9'").value == "a'b\\c\td\u00e9"  # type: ignore[attr-defined]
    assert parse_expression('"欢迎"').value == "欢迎"  # type: ignore[attr-defined]
    assert parse_expression("null").value is None  # type: ignore[attr-defined]


def test_positions_are_one_based_and_end_exclusive() -> None:
    node = parse_expression("a + b.c")
    assert isinstance(node, Binary)
    assert (node.col, node.end) == (1, 8)
    assert (node.left.col, node.left.end) == (1, 2)
    assert (node.right.col, node.right.end) == (5, 8)
    call = parse_expression("  len( x )")
    assert (call.col, call.end) == (3, 11)
    neg = parse_expression("-x")
    assert (neg.col, neg.end) == (1, 3)


def test_equality_ignores_positions_but_not_literal_types() -> None:
    assert parse_expression("a+b") == parse_expression("  a  +  b ")
    assert hash(parse_expression("a+b")) == hash(parse_expression("a + b"))
    assert Literal(1) != Literal(1.0)
    assert Literal(1) != Literal(True)
    assert Literal(0) != Literal(False)
    assert Literal("1") != Literal(1)
    assert parse_expression("1 == 1.0") != parse_expression("1 == 1")


def test_parse_is_cached() -> None:
    assert parse_expression("balance > 100") is parse_expression("balance > 100")


# -- errors ------------------------------------------------------------------------------------

ERRORS = [
    ("a && b", "use 'and' instead of '&&'", 3),
    ("a || b", "use 'or' instead of '||'", 3),
    ("a & b", "use 'and' instead of '&'", 3),
    ("!a", "use 'not' instead of '!'", 1),
    ("a = 1", "use '==' to compare", 3),
    ("a === 1", "use '==' to compare", 3),
    ("a !== 1", "use '!=' to compare", 3),
    ("a <> 1", "use '!=' instead of '<>'", 3),
    ("a => 1", "use '>=' instead of '=>'", 3),
    ("a and", "expected a value after 'and'", 6),
    ("a and or b", "expected a value after 'and'", 7),
    ("1 +", "expected a value after '+'", 4),
    ("x == ", "expected a value after '=='", 6),
    ("", "the expression is empty", 1),
    ("   ", "the expression is empty", 1),
    ("and b", "expected a value before 'and'", 1),
    (")", "expected a value before ')'", 1),
    ("()", "expected a value after '('", 2),
    ("f(,)", "expected a value after '('", 3),
    ("[1,,2]", "expected a value after ','", 4),
    (
        "a < b < c",
        "comparisons cannot be chained; join them with 'and', e.g. a < b and b < c",
        7,
    ),
    (
        "a == b != c",
        "comparisons cannot be chained; join them with 'and', e.g. a == b and b != c",
        8,
    ),
    ("(a + b", "missing ')' to close the '(' at column 1", 1),
    ("x * (a + b", "missing ')' to close the '(' at column 5", 5),
    ("a + b)", "unmatched ')'", 6),
    ("(a]", "unmatched ']'", 3),
    ("[1, 2", "missing ']' to close the list '[' at column 1", 1),
    ("len(1", "missing ')' to close the call to 'len' at column 4", 4),
    ("f(1 2)", "expected ',' or ')' before '2'", 5),
    ("[a b]", "expected ',' or ']' before 'b'", 4),
    ("a b", "missing an operator before 'b'", 3),
    ("'a' 'b'", "missing an operator before the text 'b'", 5),
    ("(a) (b)", "missing an operator before '('", 5),
    ("a == not b", "'not' cannot follow '==' directly; put it in brackets: == (not ...)", 6),
    ("a not b", "'not' here must be followed by 'in', as in: x not in list", 3),
    ("caller.", "expected a field name after '.'", 8),
    ("x.1", "expected a field name after '.'", 3),
    ("1.x", "'.' can only follow a name, e.g. caller.number", 2),
    (
        "a.b(1)",
        "'a.b' is a variable, not a function; only functions such as len(x) can be called",
        4,
    ),
    ("'abc", "text starting at column 1 is never closed; add a closing '", 1),
    ('x == "abc', 'text starting at column 6 is never closed; add a closing "', 6),
    ('"a\\qb"', "unknown escape '\\q' in text; write '\\\\' for a backslash", 3),
    ("a # b", "unexpected character '#'", 3),
    ("a ; b", "unexpected character ';'", 3),
    ("{a}", "unexpected character '{'", 1),
    ("٣ + 1", "unexpected character '٣'", 1),
]


@pytest.mark.parametrize(("source", "message", "column"), ERRORS)
def test_syntax_error_messages(source: str, message: str, column: int) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse_expression(source)
    assert str(info.value) == message
    assert info.value.column == column


def test_error_spans_the_offending_token() -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse_expression("a && b")
    assert (info.value.column, info.value.end_column) == (3, 5)


def test_errors_are_picklable_with_their_position() -> None:
    import pickle

    with pytest.raises(ExprSyntaxError) as info:
        parse_expression("a &&")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is ExprSyntaxError
    assert (str(copy), copy.column, copy.end_column) == ("use 'and' instead of '&&'", 3, 5)


# -- limits ------------------------------------------------------------------------------------


def test_length_is_bounded() -> None:
    source = "1+" * (MAX_LENGTH // 2) + "1"
    with pytest.raises(ExprSyntaxError, match="too long") as info:
        parse_expression(source)
    assert info.value.column == MAX_LENGTH + 1


@pytest.mark.parametrize(
    "source",
    [
        "(" * 200 + "a" + ")" * 200,
        "[" * 600,
        "f(" * 500,
        "not " * 400 + "a",
        "-" * 1500 + "a",
        "a[" * 500,
        "-" * (MAX_DEPTH + 1) + "a",
        "not " * (MAX_DEPTH + 1) + "a",
        "1+(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH,
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    ],
)
def test_nesting_is_bounded_without_recursion_error(source: str) -> None:
    with pytest.raises(ExprSyntaxError, match="too complex"):
        parse_expression(source)


@pytest.mark.parametrize(
    "source",
    [
        "(" * (MAX_DEPTH - 1) + "a" + ")" * (MAX_DEPTH - 1),
        "-" * (MAX_DEPTH - 1) + "a",
        "+".join(["1"] * MAX_DEPTH),
        " or ".join(f"x == {i}" for i in range(30)),
        "+".join(["1"] * (MAX_DEPTH + 1)),
        "+".join(["1"] * 1000),
        "-" * (MAX_DEPTH - 4) + "(" + "+".join(["1"] * 500) + ")",
        "1+-" * 600 + "1",  # a run whose right-hand sides are negative
    ],
)
def test_deep_but_allowed_expressions_parse(source: str) -> None:
    node = parse_expression(source)
    assert nesting(node) <= MAX_DEPTH


# -- runs of operators ---------------------------------------------------------------------------
#
# A run of operators read left to right (1 + 1 + ... + 1) is one level of nesting for a reader,
# but a tree as deep as the run is long. Every module that walks trees must walk it in a loop.

#: Runs as long as the length limit allows (1,000 terms), of each kind of operator and mixed.
RUNS = [
    "+".join(["1"] * 1000),
    "-".join(["x"] * 1000),
    " or ".join(["x"] * 400),
    " and ".join(["x"] * 333),
    "1" + "".join(f" {op} x" for op in ["+", "*", "-", "/", "%"] * 66),
    "x" + "".join(f" {op} x" for op in ["or", "and", "+", "=="] * 49),
]


def _built_run(length: int) -> Node:
    """A run built without the parser, which accepts at most ``MAX_LENGTH`` characters."""
    node: Node = Var(("x",))
    for i in range(length):
        node = Binary("+", node, Literal(i)) if i % 2 else Logical("or", node, Var(("x",)))
    return node


@pytest.mark.parametrize("source", RUNS)
def test_a_run_of_operators_is_one_level_of_nesting(source: str) -> None:
    assert len(source) <= MAX_LENGTH
    node = parse_expression(source)
    assert nesting(node) <= 5


def _check(node: Node) -> object:
    return check(node, {"x": "number"})


def _evaluate(node: Node) -> object:
    try:
        return evaluate(node, {"x": 3})
    except (ExprEvalError, ExprLimitError) as e:  # 1 / 0 in a mixed run: a value, not a crash
        return str(e)


def _unparse(node: Node) -> object:
    source = unparse(node)
    # Printed with spaces, a run of 1,000 terms is longer than the parser accepts.
    assert _Parser(source).parse() == node
    return source


def _python_protocols(node: Node) -> object:
    for back in (copy.deepcopy(node), pickle.loads(pickle.dumps(node))):
        assert back == node
        assert hash(back) == hash(node)
    return repr(node)


CONSUMERS = {
    "check": _check,
    "evaluate": _evaluate,
    "unparse": _unparse,
    "names": names,
    "nesting": nesting,
    "eq-hash-repr-pickle": _python_protocols,
}


@pytest.mark.parametrize("consumer", CONSUMERS.values(), ids=CONSUMERS.keys())
@pytest.mark.parametrize("source", RUNS[:2] + RUNS[4:])
def test_every_tree_walker_copes_with_a_long_run(
    consumer: Callable[[Node], object], source: str
) -> None:
    consumer(parse_expression(source))


@pytest.mark.parametrize("consumer", CONSUMERS.values(), ids=CONSUMERS.keys())
def test_every_tree_walker_copes_with_a_run_built_by_hand(
    consumer: Callable[[Node], object],
) -> None:
    # Much longer than the parser allows, so only a loop can walk it. (Printed, it is too long to
    # parse back: compare the text instead.)
    node = _built_run(5_000)
    if consumer is _unparse:
        assert unparse(node).count(" or ") == 2_500
    else:
        consumer(node)


def test_runs_evaluate_and_check_like_nested_trees() -> None:
    assert evaluate("+".join(["1"] * 1000), {}) == 1000
    assert evaluate("-".join(["x"] * 1000), {"x": 1}) == -998
    assert evaluate("x" + " or x" * 399, {"x": 0}) is False
    assert evaluate("1 - 2 * 3 + 4 or 1 / 0 == 0 and 0", {}) is True
    assert check(parse_expression("+".join(["x"] * 990) + " + 'a'"), {"x": "number"})[1]
    assert check(parse_expression("'a' + " + "+".join(["x"] * 990)), {"x": "string"}) == (
        "string",
        [],
    )


def test_long_number_literal_is_refused() -> None:
    with pytest.raises(ExprSyntaxError, match="number is too long"):
        parse_expression("1" * 101)


# -- pickling and copying ---------------------------------------------------------------------

ROUND_TRIP = [
    "1 + 2 * 3",
    "caller.number == '555' and not vip",
    "x not in [1, 2.5, 'a', null, true]",
    "default(http.balance.amount, 0) / 2",
    "items[0].name",
    "-x % 3 != 0 or y >= 1",
    "'欢迎\\n' + \"\\u0001\"",
    "a - b or c + d",
]


def _positions(node: Node) -> Iterator[tuple[str, int, int]]:
    """Every node's class and position, depth first (for trees of ordinary depth)."""
    yield type(node).__name__, node.col, node.end
    if isinstance(node, Binary | Logical | Compare):
        yield from _positions(node.left)
        yield from _positions(node.right)
    elif isinstance(node, Unary):
        yield from _positions(node.operand)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from _positions(arg)
    elif isinstance(node, ListLit):
        for item in node.items:
            yield from _positions(item)
    elif isinstance(node, Index):
        yield from _positions(node.target)
        yield from _positions(node.index)


@pytest.mark.parametrize("source", ROUND_TRIP)
def test_pickling_and_copying_keep_positions(source: str) -> None:
    node = parse_expression(source)
    for back in (pickle.loads(pickle.dumps(node)), copy.deepcopy(node), copy.copy(node)):
        assert back == node
        assert list(_positions(back)) == list(_positions(node))


def test_the_deepest_tree_is_walked_without_recursion_error() -> None:
    node: Node = Literal(1)
    for i in range(MAX_DEPTH - 1):
        node = (
            Unary("-", node),
            ListLit((node,)),
            Call("abs", (node,)),
            Index(Var(("l",)), node),
            Binary("+", Var(("x",)), node),
        )[i % 5]
    assert nesting(node) == MAX_DEPTH
    for consumer in CONSUMERS.values():
        if consumer is not _unparse:  # printed, it nests deeper than the parser allows
            consumer(node)
    assert unparse(node)


# -- properties --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_or_raises_expr_error(text: str) -> None:
    try:
        node = parse_expression(text)
    except ExprError as e:
        assert 1 <= e.column <= len(text) + 1
    else:
        assert isinstance(node, Node)


TOKENS = [
    "a", "b.c", "x.in", "1", "2.5", "'x'", '"y\\n"', "(", ")", "[", "]", ",", ".", "+", "-", "*",
    "/", "%", "==", "!=", "<", ">=", "and", "or", "not", "in", "len", "true", "null", "=", "!",
    "&&", "'", "\\", "欢迎",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14), st.sampled_from(["", " "]))
def test_token_soup_parses_or_raises_expr_error(tokens: list[str], sep: str) -> None:
    source = sep.join(tokens)
    try:
        node = parse_expression(source)
    except ExprError as e:
        assert 1 <= e.column <= len(source) + 1
    else:
        assert parse_expression(unparse(node)) == node


IDENT = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True)
NAMES = IDENT.filter(lambda s: s not in KEYWORDS)
LITERALS = st.one_of(
    st.integers(0, 10**12),
    st.integers(0, 10**8).map(lambda n: n / 100),
    st.text(max_size=6),
    st.booleans(),
    st.none(),
).map(Literal)
VARIABLES = st.builds(lambda first, rest: Var((first, *rest)), NAMES, st.lists(IDENT, max_size=2))


def _compound(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    args = st.lists(children, max_size=3).map(tuple)
    return st.one_of(
        st.builds(Unary, st.sampled_from(sorted(UNARY_OPS)), children),
        st.builds(Binary, st.sampled_from(sorted(BINARY_OPS)), children, children),
        st.builds(Logical, st.sampled_from(sorted(LOGICAL_OPS)), children, children),
        st.builds(Compare, st.sampled_from(sorted(COMPARE_OPS)), children, children),
        st.builds(Call, st.one_of(st.sampled_from(sorted(FUNCTIONS)), NAMES), args),
        st.builds(ListLit, args),
        st.builds(Index, children, children),
    )


#: Well-formed trees of the shapes the parser builds (shared with test_interp).
EXPRESSIONS: st.SearchStrategy[Node] = st.recursive(
    st.one_of(LITERALS, VARIABLES), _compound, max_leaves=12
)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_unparse_then_parse_gives_the_same_tree(node: Node) -> None:
    source = unparse(node)
    assert parse_expression(source) == node
    assert unparse(parse_expression(source)) == source


@settings(max_examples=200, deadline=None)
@given(EXPRESSIONS)
def test_generated_trees_survive_pickling_and_copying(node: Node) -> None:
    _python_protocols(node)
