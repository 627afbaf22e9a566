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
