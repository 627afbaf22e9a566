"""SCE900 unused-noqa: reported by `sce.lint.noqa` after every rule has run."""

from sce.diagnostics import Severity
from sce.lint.noqa import UNUSED_NOQA
from sce.lint.rule import describe

describe(
    UNUSED_NOQA,
    "unused-noqa",
    """
    A noqa directive suppresses nothing, or names a code that is not a rule.

    **What it does:** reports each code of a `noqa` list on a node or on the flow (JSON
    `"noqa": ["SCE501"]`, DSL `noqa = [SCE501]`) and of a DSL `# noqa: SCE501` comment that
    matched no finding, and a bare `# noqa` that matched none at all. A misspelt or unknown code
    is reported as such.

    **Why is this bad?** A stale directive hides nothing today but will silently hide the same
    problem when it comes back, and it tells the next reader that something is wrong here when
    nothing is. Remove it, so that every directive left in a flow means something.

    **Example:** an http node that has an `error` exit, and still says:

        http lookup { url = "https://crm.example/{caller}", timeout = 3, noqa = [SCE501],
                      next -> menu, error -> agent }

    **Use instead:**

        http lookup { url = "https://crm.example/{caller}", timeout = 3,
                      next -> menu, error -> agent }
""",
    Severity.WARNING,
)
