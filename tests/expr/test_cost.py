"""Cost bounds: one budget per evaluation pays for steps and data, and results are bounded.

Every expression within the input limits (2,000 characters) must finish in well under 50 ms and
build at most a few MB, whatever the variables hold; what it returns must be small enough to keep
in a call's session.
"""

from __future__ import annotations

import contextlib
import json
import time
import tracemalloc
from collections.abc import Callable

import pytest

from sce.expr import ExprEvalError, ExprLimitError, evaluate, parse_expression, render
from sce.expr.parser import MAX_LENGTH
from sce.expr.values import MAX_NESTING, MAX_RESULT_CHARS, MAX_RESULT_ITEMS

BIG_LIST = list(range(10_000))
EMOJI = "😀" * 10_000


def _aliased(levels: int) -> list[object]:
    """A list whose stored (expanded) size is 3**levels, built from ``levels`` small lists."""
    value: list[object] = [1]
    for _ in range(levels):
        value = [value, value, value]
    return value


ENV: dict[str, object] = {
    "x": [BIG_LIST] * 9,
    "y": [BIG_LIST] * 9,
    "big": BIG_LIST,
    "s": EMOJI,
    "t": "x" * 10_000,
    "huge": "ab" * 500_000,
    "a": _aliased(40),
    "words": ["w" * 10] * 900,
    "records": [{"id": i, "name": "x" * 5} for i in range(3_000)],
}


#: A hostile expression may take at most this many times the reference work (about 1-2 ms):
#: the reproductions took thousands of times more before the budget was shared.
RELATIVE_LIMIT = 40


def _repeat(part: str, prefix: str = "[", suffix: str = "]", sep: str = ",") -> str:
    """``part`` repeated as often as fits within the length limit."""
    count = (MAX_LENGTH - len(prefix) - len(suffix) + len(sep)) // (len(part) + len(sep))
    source = prefix + sep.join([part] * count) + suffix
    assert len(source) <= MAX_LENGTH
    return source


def _timed(action: Callable[[], object]) -> float:
    """Best of three wall times of ``action`` (errors allowed): other processes share the machine."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with contextlib.suppress(ExprEvalError, ExprLimitError):
            action()
        best = min(best, time.perf_counter() - start)
    return best


def _reference() -> None:
    """A fixed piece of plain work, measured in the same run: tests compare times, never
    assert them (this machine's speed varies)."""
    json.dumps(list(range(20_000)))


def _relative(action: Callable[[], object]) -> float:
    """How many times longer ``action`` takes than the reference work."""
    return _timed(action) / _timed(_reference)


def _peak_memory(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    except (ExprEvalError, ExprLimitError):
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


# -- the reviewer's reproductions ----------------------------------------------------------------


def test_comparisons_share_one_budget() -> None:
    """398 comparisons of 90,000 items each took 12 s: each had its own budget."""
    node = parse_expression("len([" + ",".join(["x==y"] * 398) + "])")
    with pytest.raises(ExprLimitError, match="too much data") as info:
        evaluate(node, ENV)
    assert info.value.column > 1  # one of the comparisons, not the whole expression
    assert _relative(lambda: evaluate(node, ENV)) < RELATIVE_LIMIT


def test_list_literals_pay_for_what_they_build() -> None:
    """150 splits of 10,000 emoji each built 132 MB before anything was checked."""
    node = parse_expression("[" + ",".join(['split(s,"")'] * 150) + "]")
    with pytest.raises(ExprLimitError, match="too much data"):
        evaluate(node, ENV)
    assert _peak_memory(lambda: evaluate(node, ENV)) < 3_000_000
    assert _relative(lambda: evaluate(node, ENV)) < RELATIVE_LIMIT


def test_aliased_results_are_bounded_by_their_stored_size() -> None:
    """[a, a, a] takes little memory but 3**41 items once stored; it is refused."""
    with pytest.raises(ExprEvalError, match="too large to keep") as info:
        evaluate("[a, a, a]", ENV)
    assert str(info.value) == (
        f"the result is too large to keep (more than {MAX_RESULT_ITEMS:,} list items in all); "
        "keep only the part you need"
    )
    assert (info.value.column, info.value.end_column) == (1, 10)
    with pytest.raises(ExprEvalError, match="too large to keep"):
        evaluate("a", ENV)  # a variable passed through is kept too
    assert _relative(lambda: evaluate("[a, a, a]", ENV)) < RELATIVE_LIMIT


def test_comparing_aliased_values_is_bounded() -> None:
    node = parse_expression(_repeat("a == a"))
    with pytest.raises(ExprLimitError):
        evaluate(node, ENV)
    assert _relative(lambda: evaluate(node, ENV)) < RELATIVE_LIMIT


# -- one budget ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        _repeat("x == y"),
        _repeat("x != y"),
        _repeat("-1 in big"),
        _repeat("-1 not in big"),
        _repeat("contains(big, -1)"),
        _repeat("contains(records, 5)"),
        _repeat("records == records"),
        _repeat('split(s, "")'),
        _repeat("split(t, 'x')"),
        _repeat("min(big)"),
        _repeat("join(words, '')"),
        _repeat("text(words)"),
        _repeat("upper(t)"),
        _repeat("digits(t)"),
        _repeat("spell(t)"),
        _repeat("replace(t, 'x', 'y')"),
        _repeat("t == t"),
        _repeat("t < t"),
        _repeat("'y' in huge"),
        _repeat("contains(huge, 'y')"),
        _repeat("big", prefix="len([", suffix="])"),
        _repeat("t", prefix="len(", suffix=")", sep="+"),
        _repeat("[1, 2, 3, 4, 5, 6, 7, 8]"),
        "+".join(["1"] * 1000),
    ],
)
def test_any_expression_within_the_limits_is_cheap(source: str) -> None:
    node = parse_expression(source)
    assert _relative(lambda: evaluate(node, ENV)) < RELATIVE_LIMIT
    assert _peak_memory(lambda: evaluate(node, ENV)) < 3_000_000


def test_a_template_shares_one_budget_across_its_parts() -> None:
    text = " ".join(["{x == y}"] * 300)
    with pytest.raises(ExprLimitError, match="too much data") as info:
        render(text, ENV)
    assert info.value.column > 1
    assert _relative(lambda: render(text, ENV)) < RELATIVE_LIMIT


def test_work_is_paid_before_it_is_done() -> None:
    # A 1,000,000-character text is refused before a copy of it is made.
    for source in ("upper(huge)", "lower(huge)", "trim(huge)", "digits(huge)", "spell(huge)"):
        with pytest.raises(ExprLimitError, match="too much data") as info:
            evaluate(source, ENV)
        assert info.value.column == 1
        assert _peak_memory(lambda s=source: evaluate(s, ENV)) < 100_000  # type: ignore[misc]


def test_one_full_size_list_or_text_is_still_fine() -> None:
    """The budget leaves room for ordinary work on the longest lists and texts allowed."""
    env = {"l1": list(range(10_000)), "l2": list(range(10_000)), "t": "x" * 10_000}
    assert evaluate("l1 == l2", env) is True
    assert evaluate("9999 in l1", env) is True
    assert evaluate("contains(l1, 9999)", env) is True
    assert evaluate("max(l1)", env) == 9999
    assert evaluate("len(split(t, ''))", env) == 10_000
    assert evaluate("len(upper(t) + '')", env) == 10_000
    assert len(render("{t}", env)) == 10_000


def test_running_out_of_steps_or_of_data_is_explained() -> None:
    source = "+".join(["1"] * 60)  # 119 steps, no data
    with pytest.raises(ExprLimitError) as info:
        evaluate(source, {}, max_steps=100)
    assert str(info.value) == "the expression needs more than 100 steps; simplify it"
    with pytest.raises(ExprLimitError) as info:
        evaluate("l == l", {"l": list(range(5_000))}, max_steps=100)
    assert str(info.value) == (
        "the expression works on too much data at once (too many list items or characters "
        "built or compared); use shorter lists or texts, or split it into several steps"
    )
    assert (info.value.column, info.value.end_column) == (1, 7)


# -- results -------------------------------------------------------------------------------------


def _nested(levels: int) -> list[object]:
    value: list[object] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_results_are_bounded() -> None:
    assert evaluate("x", {"x": list(range(MAX_RESULT_ITEMS))}) == list(range(MAX_RESULT_ITEMS))
    with pytest.raises(ExprEvalError, match="more than 10,000 list items"):
        evaluate("[x]", {"x": list(range(MAX_RESULT_ITEMS))})
    with pytest.raises(ExprEvalError, match="more than 10,000 list items"):
        evaluate("x", {"x": [{"a": 1, "b": 2}] * 4_000})  # fields count as items
    assert len(evaluate("x", {"x": "y" * MAX_RESULT_CHARS})) == MAX_RESULT_CHARS  # type: ignore[arg-type]
    with pytest.raises(ExprEvalError, match="more than 100,000 characters"):
        evaluate("x", {"x": "y" * (MAX_RESULT_CHARS + 1)})
    with pytest.raises(ExprEvalError, match="more than 100,000 characters"):
        evaluate("[t, t, t, t, t, t, t, t, t, t, t]", {"t": "y" * 10_000})
    with pytest.raises(ExprEvalError, match="more than 100,000 characters"):
        evaluate("x", {"x": [{"k" * 60_000: 1, "j" * 60_000: 2}]})  # field names count
    assert evaluate("x", {"x": _nested(MAX_NESTING)}) == _nested(MAX_NESTING)
    with pytest.raises(ExprEvalError, match="nested too deeply to keep") as info:
        evaluate("[x]", {"x": _nested(MAX_NESTING)})
    assert info.value.column == 1


def test_results_hold_only_plain_data() -> None:
    class Secret:
        pass

    with pytest.raises(ExprEvalError, match="unsupported kind"):
        evaluate("box.items", {"box": {"items": [1, Secret()]}})
    with pytest.raises(ExprEvalError, match="field names must be text"):
        evaluate("x", {"x": [{1: "a"}]})


def test_a_self_containing_result_is_refused() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ExprEvalError, match="nested too deeply"):
        evaluate("x", {"x": loop})
