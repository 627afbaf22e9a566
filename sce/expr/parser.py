"""Parse expression text into a tree: a regex tokenizer and a Pratt (precedence climbing) parser.

Written by hand rather than with lark because a compiled flow holds one expression per node and a
10,000-node flow must parse all of them well under 0.3 s (a test checks it); a hand parser is also
where every mistake can get its own message for a flow author ("use 'and' instead of '&&'").

Precedence, lowest first::

    or
    and
    not x
    == != < <= > >= in, not in     (not chainable: a < b < c is refused)
    + -
    * / %
    -x
    f(x)  x[i]  x.name             (calls, indexing, fields)

Cost is bounded before any work is done: at most :data:`MAX_LENGTH` characters and at most
:data:`MAX_DEPTH` levels of nesting, so no input can raise ``RecursionError``. Nesting is what a
reader has to keep in mind: brackets, ``-`` and ``not``, calls, lists, indexing and the right-hand
side of an operator each add a level, but a run of operators read from left to right does not:
``1 + 2 + ... + 999`` is one level (it is parsed in a loop, and every module that walks trees
walks such runs in a loop too; see :func:`~sce.expr.ast.nesting`). Results are cached per source
text because trees are immutable.
"""

from __future__ import annotations

import functools
import math
import re

from sce.expr.ast import Binary, Call, Compare, Index, ListLit, Literal, Logical, Node, Unary, Var
from sce.expr.errors import ExprSyntaxError

MAX_LENGTH = 2_000
MAX_DEPTH = 64
MAX_NUMBER_LENGTH = 100

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})

# One token per match: (leading whitespace, token). Single characters that are not valid
# tokens (``=``, ``!``, ``#``, a lone quote) fall through to ``.`` and are explained below.
_TOKEN_RE = re.compile(
    r"""(\s*)(
      [0-9]+(?:\.[0-9]+)?
    | [A-Za-z_][A-Za-z0-9_]*
    | "(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*'
    | === | !== | && | \|\| | <> | => | =< | == | != | <= | >=
    | .
    )""",
    re.VERBOSE | re.DOTALL,
)
_FIRST = dict.fromkeys("0123456789", "num")
_FIRST.update(dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_", "name"))
_FIRST.update({'"': "str", "'": "str"})
_OPERATORS = frozenset(
    {"==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", "."}
)

# Operators from other languages, with what to write instead.
_BAD = {
    "===": "use '==' to compare",
    "!==": "use '!=' to compare",
    "&&": "use 'and' instead of '&&'",
    "||": "use 'or' instead of '||'",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "<>": "use '!=' instead of '<>'",
    "=>": "use '>=' instead of '=>'",
    "=<": "use '<=' instead of '=<'",
    "=": "use '==' to compare",
    "!": "use 'not' instead of '!'",
}

_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}

# Left binding powers of infix/postfix tokens. Prefix 'not' binds at 30, prefix '-' at 70.
_LBP = {"or": 10, "and": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "[": 80, ".": 80}
_LBP.update(dict.fromkeys(("==", "!=", "<", "<=", ">", ">=", "in", "not"), 40))  # 'not in'
_COMPARE = 40
_POSTFIX = 80
_MAX_NEST = MAX_DEPTH  # recursion guard: brackets nest without deepening the tree
_AFTER_NAME = frozenset({".", "("})
_NOT_BP = 30
_NEG_BP = 70
_VALUE_START = frozenset({"num", "str", "name", "true", "false", "null", "(", "[", "-", "not"})
_CONSTANTS = {"true": True, "false": False, "null": None}

Token = tuple[str, str, int, int]  # kind, text, start, end (0-based, end exclusive)


def _tokenize(text: str) -> list[Token]:
    """Split into tokens; kind is 'num', 'str', 'name', 'end' or the operator/keyword itself."""
    toks: list[Token] = []
    append = toks.append
    pos = 0
    for space, tok in _TOKEN_RE.findall(text):
        start = pos + len(space)
        pos = end = start + len(tok)
        kind = _FIRST.get(tok[0])
        if kind == "name":
            append((tok if tok in KEYWORDS else "name", tok, start, end))
        elif kind is None:
            if tok in _OPERATORS:
                append((tok, tok, start, end))
            elif tok.isspace():  # trailing whitespace
                break
            elif tok in _BAD:
                raise ExprSyntaxError(_BAD[tok], start + 1, end + 1)
            else:
                shown = f"'{tok}'" if tok.isprintable() else f"U+{ord(tok):04X}"
                raise ExprSyntaxError(f"unexpected character {shown}", start + 1, end + 1)
        elif len(tok) == 1 and kind == "str":  # a quote the string pattern could not close
            raise ExprSyntaxError(
                f"text starting at column {start + 1} is never closed; add a closing {tok}",
                start + 1,
                len(text) + 1,
            )
        else:
            append((kind, tok, start, end))
    append(("end", "", len(text), len(text)))
    return toks


def _describe(tok: Token) -> str:
    kind, text = tok[0], tok[1]
    if kind == "end":
        return "the end of the expression"
    if kind == "str":
        return f"the text {text}" if len(text) <= 20 else "a text"
    return f"'{text}'"


def _decode_string(tok: Token) -> str:
    body = tok[1][1:-1]
    if "\\" not in body:
        return body
    base = tok[2] + 2  # column of the first character inside the quotes

    def replace(m: re.Match[str]) -> str:
        code = m.group(1)
        if code in _ESCAPES:
            return _ESCAPES[code]
        if len(code) == 5:
            return chr(int(code[1:], 16))
        col = base + m.start()
        raise ExprSyntaxError(
            f"unknown escape '\\{code}' in text; write '\\\\' for a backslash", col, col + 2
        )

    return _ESCAPE_RE.sub(replace, body)


def _number(tok: Token) -> int | float:
    text = tok[1]
    if len(text) > MAX_NUMBER_LENGTH:
        raise ExprSyntaxError(
            f"number is too long (at most {MAX_NUMBER_LENGTH} characters)", tok[2] + 1, tok[3] + 1
        )
    if "." not in text:
        return int(text)
    value = float(text)
    if not math.isfinite(value):  # pragma: no cover - needs > 308 digits, refused above
        raise ExprSyntaxError("number is too large", tok[2] + 1, tok[3] + 1)
    return value


class _Parser:
    """One parse of one text. Each parse method returns ``(node, its nesting)`` (see ast.nesting)."""

    __slots__ = ("toks", "i", "nest")

    def __init__(self, text: str) -> None:
        self.toks = _tokenize(text)
        self.i = 0
        self.nest = 0

    def parse(self) -> Node:
        if self.toks[0][0] == "end":
            raise ExprSyntaxError("the expression is empty", 1, 1)
        node, _ = self._expr(0)
        tok = self.toks[self.i]
        if tok[0] != "end":
            raise self._leftover(tok)
        return node

    # -- errors --------------------------------------------------------------------------------

    def _error(self, message: str, tok: Token) -> ExprSyntaxError:
        return ExprSyntaxError(message, tok[2] + 1, max(tok[3], tok[2] + 1) + 1)

    def _too_complex(self, col: int) -> ExprSyntaxError:
        return ExprSyntaxError(
            f"expression is too complex (nested more than {MAX_DEPTH} levels deep); "
            "split it into several steps",
            col,
        )

    def _leftover(self, tok: Token) -> ExprSyntaxError:
        kind = tok[0]
        if kind in (")", "]"):
            return self._error(f"unmatched '{kind}'", tok)
        if kind == "not":
            return self._error("'not' here must be followed by 'in', as in: x not in list", tok)
        return self._error(f"missing an operator before {_describe(tok)}", tok)

    def _close(self, closer: str, opener: Token, what: str, sequence: bool = False) -> Token:
        """Consume ``closer`` or explain what is wrong at this point."""
        tok = self.toks[self.i]
        kind = tok[0]
        if kind == closer:
            self.i += 1
            return tok
        where = f"{what} at column {opener[2] + 1}"
        if kind == "end":
            raise self._error(f"missing '{closer}' to close {where}", opener)
        if sequence and kind in _VALUE_START:
            raise self._error(f"expected ',' or '{closer}' before {_describe(tok)}", tok)
        if kind in _VALUE_START or kind in (")", "]"):
            raise self._leftover(tok)
        raise self._error(f"expected '{closer}' to close {where}, found {_describe(tok)}", tok)

    # -- Pratt core ----------------------------------------------------------------------------

    def _expr(self, rbp: int) -> tuple[Node, int]:
        # The common cases (a plain name or number, an arithmetic or logical operator) are
        # handled inline: this loop is the hot path of compiling a large flow.
        self.nest += 1
        if self.nest > _MAX_NEST:
            raise self._too_complex(self.toks[self.i][2] + 1)
        toks = self.toks
        i = self.i
        tok = toks[i]
        kind = tok[0]
        if kind == "name" and toks[i + 1][0] not in _AFTER_NAME:
            left: Node = Var((tok[1],), col=tok[2] + 1, end=tok[3] + 1)
            self.i = i + 1
            depth = 1
        elif kind == "num":
            left = Literal(_number(tok), col=tok[2] + 1, end=tok[3] + 1)
            self.i = i + 1
            depth = 1
        else:
            left, depth = self._nud(rbp)
        while True:
            tok = toks[self.i]
            lbp = _LBP.get(tok[0], 0)
            if lbp <= rbp:
                break
            if lbp in (_COMPARE, _POSTFIX):
                left, depth = self._led(left, depth)
            else:
                self.i += 1
                if toks[self.i][0] not in _VALUE_START:
                    raise self._expected_value(toks[self.i])
                right, rd = self._expr(lbp)
                cls = Logical if lbp < _COMPARE else Binary
                left = cls(tok[0], left, right, col=left.col, end=right.end)
                # The left operand continues a run: only the right one is nested.
                if rd >= depth:
                    depth = rd + 1
            if depth > MAX_DEPTH:
                raise self._too_complex(left.col)
        self.nest -= 1
        return left, depth

    def _nud(self, rbp: int) -> tuple[Node, int]:
        tok = self.toks[self.i]
        kind = tok[0]
        col, end = tok[2] + 1, tok[3] + 1
        if kind == "name":
            return self._name(tok)
        self.i += 1
        if kind == "num":
            return Literal(_number(tok), col=col, end=end), 1
        if kind == "str":
            return Literal(_decode_string(tok), col=col, end=end), 1
        if kind in _CONSTANTS:
            return Literal(_CONSTANTS[kind], col=col, end=end), 1
        if kind == "(":
            node, depth = self._expr(0)
            self._close(")", tok, "the '('")
            return node, depth
        if kind == "[":
            items, depth = self._sequence("]", tok, "the list '['")
            return ListLit(items, col=col, end=self.toks[self.i - 1][3] + 1), depth + 1
        if kind == "-":
            operand, depth = self._operand(_NEG_BP)
            return Unary("-", operand, col=col, end=operand.end), depth + 1
        if kind == "not":
            if rbp > _NOT_BP:
                prev = self.toks[self.i - 2][1]
                raise self._error(
                    f"'not' cannot follow '{prev}' directly; put it in brackets: {prev} (not ...)",
                    tok,
                )
            operand, depth = self._operand(_NOT_BP)
            return Unary("not", operand, col=col, end=operand.end), depth + 1
        self.i -= 1
        raise self._expected_value(tok)

    def _expected_value(self, tok: Token) -> ExprSyntaxError:
        if self.i == 0:
            return self._error(f"expected a value before {_describe(tok)}", tok)
        prev = self.toks[self.i - 1]
        return self._error(f"expected a value after '{prev[1]}'", tok)

    def _operand(self, bp: int) -> tuple[Node, int]:
        """A value after an operator or bracket (if missing, the error names what came before)."""
        if self.toks[self.i][0] not in _VALUE_START:
            raise self._expected_value(self.toks[self.i])
        return self._expr(bp)

    def _name(self, tok: Token) -> tuple[Node, int]:
        toks = self.toks
        path = [tok[1]]
        self.i += 1
        while toks[self.i][0] == ".":
            field = toks[self.i + 1]
            if field[0] != "name" and field[0] not in KEYWORDS:
                raise self._error("expected a field name after '.'", field)
            path.append(field[1])
            self.i += 2
        end = toks[self.i - 1][3] + 1
        if toks[self.i][0] != "(":
            return Var(tuple(path), col=tok[2] + 1, end=end), 1
        if len(path) > 1:
            raise self._error(
                f"'{'.'.join(path)}' is a variable, not a function; only functions such as "
                "len(x) can be called",
                toks[self.i],
            )
        self.i += 1
        args, depth = self._sequence(")", toks[self.i - 1], f"the call to '{tok[1]}'")
        return Call(tok[1], args, col=tok[2] + 1, end=toks[self.i - 1][3] + 1), depth + 1

    def _sequence(self, closer: str, opener: Token, what: str) -> tuple[tuple[Node, ...], int]:
        """Comma-separated values up to ``closer`` (a trailing comma is allowed)."""
        items: list[Node] = []
        depth = 0
        toks = self.toks
        while toks[self.i][0] != closer:
            if toks[self.i][0] == "end":
                break
            node, d = self._operand(0)
            items.append(node)
            depth = max(depth, d)
            if toks[self.i][0] != ",":
                break
            self.i += 1
        self._close(closer, opener, what, sequence=True)
        return tuple(items), depth

    def _led(self, left: Node, depth: int) -> tuple[Node, int]:
        toks = self.toks
        tok = toks[self.i]
        kind = tok[0]
        lbp = _LBP[kind]
        self.i += 1
        if lbp == _COMPARE:
            op = kind
            if kind == "not":
                if toks[self.i][0] != "in":
                    self.i -= 1
                    raise self._leftover(tok)
                op = "not in"
                self.i += 1
            right, rd = self._operand(_COMPARE)
            nxt = toks[self.i]
            if _LBP.get(nxt[0]) == _COMPARE and (nxt[0] != "not" or toks[self.i + 1][0] == "in"):
                raise self._error(
                    f"comparisons cannot be chained; join them with 'and', "
                    f"e.g. a {op} b and b {nxt[1]} c",
                    nxt,
                )
            return Compare(op, left, right, col=left.col, end=right.end), max(depth, rd) + 1
        if kind == "[":
            index, rd = self._expr(0)
            close = self._close("]", tok, "the '['")
            return Index(left, index, col=left.col, end=close[3] + 1), max(depth, rd) + 1
        field = toks[self.i]  # kind == "."
        if not isinstance(left, Index | Call):
            self.i -= 1
            raise self._error("'.' can only follow a name, e.g. caller.number", tok)
        if field[0] != "name" and field[0] not in KEYWORDS:
            raise self._error("expected a field name after '.'", field)
        self.i += 1
        key = Literal(field[1], col=field[2] + 1, end=field[3] + 1)
        return Index(left, key, col=left.col, end=field[3] + 1), depth + 1


@functools.lru_cache(maxsize=65_536)
def parse_expression(text: str) -> Node:
    """Parse one expression; raise :class:`ExprSyntaxError` (with column) if it is not valid.

    Cached: the same text always gives the same (immutable, shareable) tree.
    """
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(
            f"expression is too long ({len(text):,} characters; at most {MAX_LENGTH:,})",
            MAX_LENGTH + 1,
        )
    return _Parser(text).parse()
