"""The expressions section of the flow reference (`sce.schema.reference`), from the language's
own tables so it cannot go stale.

The flow schema only says that a field holds an expression or a text with `{...}` in it; how to
write one is the expression language's business. The functions are its function table, the
built-in variables are the checker's (`BUILTINS`), every expression shown is parsed and
type-checked, and every text shown is rendered by the real template renderer, so what the page
says a caller hears is what a caller hears.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sce import expr
from sce.compiler.fields import BUILTINS
from sce.expr.functions import FUNCTIONS, describe_param
from sce.expr.values import describe

#: What each built-in variable holds (the names and types are the checker's, `BUILTINS`).
BUILTIN_MEANINGS = {
    "caller": "The caller's number, such as `+15551230000`.",
    "called": "The number the caller dialled.",
    "call_id": "The phone platform's id of the call.",
    "language": "The language the caller hears now, such as `en-US`.",
    "last_digits": "The keys pressed at the last menu or collect.",
    "last_speech": "The words said at the last menu or collect, or a voicemail's transcript.",
    "summary": "What the caller did so far, for the agent, such as `main: pressed 0 (Agent)`.",
    "estimated_wait": "While in a transfer's queue: the estimated wait, in minutes.",
    "queue_position": "While in a transfer's queue: the caller's place in it.",
}

#: (expression, what it shows); each is parsed and type-checked before it is shown.
EXPRESSIONS = (
    ("balance > 100 and tier == 'vip'",
     "compare with `==` `!=` `<` `<=` `>` `>=`; join with `and`, `or`, `not`"),
    ("topic in ['cards', 'loans']", "whether a list holds a value (or a text a text); `not in`"),
    ("attempts + 1", "arithmetic: `+` `-` `*` `/` `%`; `+` also joins texts"),
    ("'cards'", "text, in single quotes (so it fits in the DSL's double quotes) or double"),
    ("[1, 2.5, true, false, null]", "numbers, `true`, `false`, `null` (no value), lists"),
    ("customer.name", "a field of an object, such as an HTTP reply saved whole"),
    ("accounts[0]", "an item of a list, counting from 0"),
    ("if(tier == 'vip', 10, 1)", "one value or another: there is no `x if c else y`"),
    ("len(account) == 8", "a function (see below)"),
)  # fmt: skip

#: (text, the call's values); each is rendered to show what the caller hears.
TEXTS: tuple[tuple[str, dict[str, object]], ...] = (
    ("Your balance is {balance} {currency}.", {"balance": 12.5, "currency": "USD"}),
    ("You have {count} new messages.", {"count": 2.0}),
    ("Your account {spell(account)}.", {"account": "1234"}),
    ("Hello {default(name, 'there')}!", {"name": None}),
    ("We can help with {topics}.", {"topics": ["cards", "loans"]}),
    ("Write {{name}} for a brace.", {"name": "Ann"}),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def expressions_section() -> Iterator[str]:
    """The section's Markdown lines; AssertionError if an example no longer works."""
    yield "## Expressions and texts"
    yield ""
    yield (
        "Conditions (`when`), `set` values, `priority` and subflow `inputs` are expressions in "
        "a small language of our own; texts (prompts, messages, URLs, `attach`, `number`) may "
        "hold expressions in braces. Both are parsed and type-checked when a flow is linted or "
        "compiled (SCE201: it cannot be read, SCE202: values of the wrong kinds, SCE203: an "
        "undeclared variable) and evaluated by a bounded interpreter, never by Python."
    )
    yield ""
    yield "| Expression | |"
    yield "|---|---|"
    for source, note in EXPRESSIONS:
        node = expr.parse_expression(source)
        types = {name: BUILTINS.get(name, "any") for name in expr.names(node)}
        _, problems = expr.check(node, types)
        if problems:
            raise AssertionError(f"the expression {source!r} does not check: {problems}")
        yield _row(f"`{source}`", note)
    yield ""
    yield (
        "A chain such as `a < b < c` is refused, and so are `&&`, `||`, `!` and `=`: the "
        "message says what to write instead."
    )
    yield ""
    yield "In a text, each `{...}` is said the way a caller should hear it:"
    yield ""
    yield "| Text | With | The caller hears |"
    yield "|---|---|---|"
    for source, values in TEXTS:
        shown = ", ".join(f"{k} = {json.dumps(v)}" for k, v in values.items())
        yield _row(f"`{source}`", shown, expr.render(source, values))
    yield ""
    yield from _builtins()
    yield ""
    yield from _functions()


def _builtins() -> Iterator[str]:
    if set(BUILTIN_MEANINGS) != set(BUILTINS):
        raise AssertionError(f"say in BUILTIN_MEANINGS what each built-in holds: {list(BUILTINS)}")
    yield "### Built-in variables"
    yield ""
    yield "Every call has these, besides the flow's own variables:"
    yield ""
    yield "| Variable | Type | Holds |"
    yield "|---|---|---|"
    for name, kind in BUILTINS.items():
        yield _row(f"`{name}`", describe(kind), BUILTIN_MEANINGS[name])


def _functions() -> Iterator[str]:
    yield "### Functions"
    yield ""
    yield "Nothing else can be called."
    yield ""
    yield "| Function | Takes | Gives | |"
    yield "|---|---|---|---|"
    for name, fn in sorted(FUNCTIONS.items()):
        takes = ", ".join(describe_param(p) for p in fn.params)
        yield _row(f"`{name}`", f"{takes} ({fn.arity_text()})", describe(fn.returns), fn.doc)
