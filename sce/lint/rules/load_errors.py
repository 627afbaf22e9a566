"""Codes reported while a file is read, before any rule runs."""

from sce.lint.rule import describe

describe(
    "SCE001",
    "syntax-error",
    """
    The file is not valid JSON or DSL, is not UTF-8, or cannot be read.

    **Why is this bad?** Nothing else can be checked until the file parses.

    **Example:** `menu main { timeout: 5 }` (`:` instead of `=`).

    **Use instead:** `menu main { timeout = 5 }`.
""",
)

describe(
    "SCE002",
    "schema-error",
    """
    The flow does not have the shape its JSON Schema (`sce/schema/flow.schema.json`) gives.

    A missing or unknown field, a value of the wrong type, or an unknown node type.

    When the errors lie inside nodes or variables, the rest of the flow is checked in the same
    run: a node with a schema error is set aside (what it leads to is not taken for unreachable,
    the variables it reads not for unused), and the flow is refused until it is fixed.

    **Why is this bad?** A misspelt field (`timout`) is silently ignored by lenient tools and the
    caller waits forever; here it is an error.

    **Example:** `{"type": "menu", "timout": 5}`.

    **Use instead:** `{"type": "menu", "timeout": 5}`.
""",
)

describe(
    "SCE003",
    "duplicate-key",
    """
    A key appears twice in one JSON object, or a field or node twice in one DSL block.

    **Why is this bad?** JSON parsers keep one of them silently; which one differs by tool.

    **Example:** `{"timeout": 5, "timeout": 10}`.

    **Use instead:** one `timeout`.
""",
)

describe(
    "SCE004",
    "flow-in-two-files",
    """
    Two files hold the same flow: a `.json` and a `.flow` of one name, or two files with one
    flow id.

    **Why is this bad?** An edit of one leaves the other stale, and which of the two a tool
    reads decides what callers hear. A flow lives in one file, in the form its author chose.

    **Example:** `flows/hotline.json` and `flows/hotline.flow` side by side.

    **Use instead:** one of them; `sce convert --replace flows/hotline.json` turns a JSON flow
    into DSL (or back) in place.
""",
)
