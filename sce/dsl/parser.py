"""Parse the flow DSL into the same JSON data a `.json` flow holds, with positions and comments.

The grammar is `flow.lark`. The tree is turned into plain data here (not into the model), so the
DSL and JSON share one validation (the schema) and one model builder; along the way every entry's
JSON pointer is recorded with its offset, which is what lets every later diagnostic point at a
line and column of the DSL file.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import cast

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from sce.diagnostics import Diagnostic, escape_pointer
from sce.dsl import comments as comments_mod
from sce.dsl.comments import Comments
from sce.model.nodes import NODE_TYPES

#: Nesting of blocks and lists; room for the free-form data (`ui`, defaults) the loader allows.
MAX_DEPTH = 96
#: Digits of a number; Python's own limit for converting text to an int.
MAX_DIGITS = 4300
_SURROGATE = re.compile(r"[\ud800-\udfff]")

#: Terminal names in words a flow author knows.
_WORDS = {
    "NAME": "a name",
    "STRING": "text in double quotes",
    "NUMBER": "a number",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LSQB": "'['",
    "RSQB": "']'",
    "EQUAL": "'='",
    "ARROW": "'->'",
    "COLON": "':'",
    "COMMA": "','",
    "$END": "the end of the file",
}


@dataclass
class ParsedDsl:
    data: dict[str, object] | None
    offsets: dict[str, int] = field(default_factory=dict)
    comments: Comments = field(default_factory=Comments)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@cache
def _lark() -> Lark:
    return Lark.open(
        "flow.lark",
        rel_to=__file__,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


class _Problem(Exception):
    def __init__(self, message: str, offset: int, code: str = "SCE001") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.code = code


def parse_dsl(text: str) -> ParsedDsl:
    """Parse DSL text. Syntax errors come back as diagnostics (code SCE001) with line/column."""
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as e:
        return ParsedDsl(None, diagnostics=[_syntax_diagnostic(text, e)])
    builder = _Builder(text)
    try:
        data = builder.document(tree)
    except _Problem as p:
        line, col = _line_col(text, p.offset)
        return ParsedDsl(None, diagnostics=[Diagnostic(p.code, p.message, line=line, column=col)])
    found = comments_mod.scan(text)
    comments = comments_mod.attach(text, found, builder.offsets, builder.blocks)
    diags = [
        Diagnostic(
            "SCE003", msg, pointer=ptr, line=_line_col(text, off)[0], column=_line_col(text, off)[1]
        )
        for ptr, off, msg in builder.duplicates
    ]
    return ParsedDsl(data, builder.offsets, comments, diags)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.offsets: dict[str, int] = {}
        self.blocks: dict[str, tuple[int, int]] = {}
        self.duplicates: list[tuple[str, int, str]] = []

    def _dup(self, ptr: str, offset: int, what: str) -> None:
        first = _line_col(self.text, self.offsets[ptr])[0]
        self.duplicates.append((ptr, offset, f"{what} is defined twice (first on line {first})"))

    def document(self, tree: Tree) -> dict[str, object]:
        root: dict[str, object] = {}
        variables: dict[str, object] = {}
        nodes: dict[str, object] = {}
        for decl in tree.children:
            kind, name_tree, vtype, value, block = decl.children
            name_tok = cast(Token, name_tree.children[0])  # declname: NAME | STRING
            name = _text(name_tok) if name_tok.type == "STRING" else str(name_tok)
            start = decl.meta.start_pos
            if kind == "flow":
                if "flow" in root:
                    self._dup("/flow", start, "the flow declaration")
                    continue
                if vtype is not None or value is not None:
                    raise _Problem("write the flow as: flow ID { ... }", start)
                root["flow"] = name
                self.offsets["/flow"] = start
                if block is not None:
                    self._entries(block, "", root, 1, span_ptr="/flow")
                    for key, how in (("nodes", "TYPE ID { ... }"), ("variables", "var NAME: TYPE")):
                        if key in root:
                            raise _Problem(
                                f"{key} are declared at the top level ({how}), not in the flow "
                                "block",
                                self.offsets["/" + key],
                            )
            elif kind == "var":
                ptr = "/variables/" + escape_pointer(name)
                if name in variables:
                    self._dup(ptr, start, f"variable '{name}'")
                    continue
                self.offsets[ptr] = start
                var: dict[str, object] = {}
                if vtype is not None:
                    var["type"] = str(vtype)
                    self.offsets[ptr + "/type"] = _start(vtype)
                if value is not None:
                    var["default"] = self._value(value, ptr + "/default", 1)
                    self.offsets.setdefault(ptr + "/default", _start(value))
                if block is not None:
                    self._entries(block, ptr, var, 1)
                variables[name] = var
            else:
                if vtype is not None or value is not None:
                    raise _Problem(f"write a node as: {kind} {name} {{ ... }}", start)
                ptr = "/nodes/" + escape_pointer(name)
                if name in nodes:
                    self._dup(ptr, start, f"node '{name}'")
                    continue
                self.offsets[ptr] = start
                self.offsets[ptr + "/type"] = _start(kind)
                node: dict[str, object] = {"type": str(kind)}
                if block is not None:
                    self._entries(block, ptr, node, 1)
                nodes[name] = node
        if variables:
            root["variables"] = variables
        root["nodes"] = nodes
        return root

    def _entries(
        self, block: Tree, ptr: str, out: dict[str, object], depth: int, span_ptr: str = ""
    ) -> None:
        if depth > MAX_DEPTH:
            raise _Problem("the flow is nested too deeply", block.meta.start_pos)
        self.blocks[span_ptr or ptr] = (block.meta.start_pos, block.meta.end_pos)
        for entry in block.children:
            key_tok = cast(Token, entry.children[0].children[0])  # key: NAME | STRING
            key = _text(key_tok) if key_tok.type == "STRING" else str(key_tok)
            child = f"{ptr}/{escape_pointer(key)}"
            if key in out:
                self._dup(child, _start(key_tok), f"field '{key}'")
                continue
            self.offsets[child] = _start(key_tok)
            if entry.data == "nested":
                sub: dict[str, object] = {}
                self._entries(entry.children[1], child, sub, depth + 1)
                out[key] = sub
            else:
                out[key] = self._value(entry.children[-1], child, depth + 1)

    def _value(self, node: Tree | Token, ptr: str, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise _Problem("the flow is nested too deeply", _start(node))
        if isinstance(node, Token):  # pragma: no cover - every value is wrapped by the grammar
            raise _Problem("unexpected value", _start(node))
        kind = node.data
        if kind == "block":
            sub: dict[str, object] = {}
            self._entries(node, ptr, sub, depth)
            return sub
        if kind == "list":
            self.blocks[ptr] = (node.meta.start_pos, node.meta.end_pos)
            items = []
            for i, item in enumerate(node.children):
                self.offsets[f"{ptr}/{i}"] = _start(item)
                items.append(self._value(item, f"{ptr}/{i}", depth + 1))
            return items
        tok = cast(Token, node.children[0])  # a string, number or word holds one token
        if kind == "string":
            return _text(tok)
        if kind == "number":
            return _number(tok)
        word = str(tok)
        return {"true": True, "false": False, "null": None}.get(word, word)


def _text(tok: Token) -> str:
    """A quoted DSL string: JSON's escapes; a raw tab is allowed, a lone surrogate is not."""
    try:
        value = json.loads(tok, strict=False)
    except ValueError:
        raise _Problem(
            'invalid escape in text (use \\\\ for a backslash, \\" for a quote)', _start(tok)
        ) from None
    if _SURROGATE.search(value):
        raise _Problem("text holds a lone surrogate escape (\\ud800-\\udfff)", _start(tok))
    return value


def _start(node: Tree | Token) -> int:
    """Where a token or a tree begins in the text."""
    if isinstance(node, Token):
        assert node.start_pos is not None  # the lexer places every token it makes
        return node.start_pos
    return node.meta.start_pos


def _number(tok: Token) -> int | float:
    text = str(tok)
    if len(text) > MAX_DIGITS:
        raise _Problem("a number has too many digits", _start(tok))
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise _Problem(f"the number {text} is too large", _start(tok))
    return value


def _syntax_diagnostic(text: str, e: UnexpectedInput) -> Diagnostic:
    line, col = getattr(e, "line", 1), getattr(e, "column", 1)
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        message = _eof_message(text, e)
        opened = _unclosed(text)
        line, col = _line_col(text, len(text.rstrip()) if opened is None else opened)
    elif isinstance(e, UnexpectedCharacters):
        message = _char_message(text, e)
    elif isinstance(e, UnexpectedToken):
        message, offset = _token_message(text, e)
        if offset is not None:
            line, col = _line_col(text, offset)
    else:  # pragma: no cover
        message = str(e)
    if line is None or line < 1:
        line, col = 1, 1
    return Diagnostic("SCE001", message, line=line, column=col)


def _expected(names: set[str]) -> str:
    words = sorted({_WORDS.get(n, n.lower()) for n in names if n != "COMMENT"})
    if not words:
        return "nothing more"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _char_message(text: str, e: UnexpectedCharacters) -> str:
    pos = cast(int, e.pos_in_stream)  # set by the lexer to where it stopped
    ch = text[pos] if pos < len(text) else ""
    if ch == "'":
        return "text must be in double quotes, not single quotes"
    if ch == '"':
        return "text is not closed with a double quote before the end of the line (write \\n)"
    if ch == ";":
        return "';' is not needed: put each field on its own line"
    if ch.isdigit() or ch == "-":
        return f"unexpected '{ch}': a name must start with a letter (quote it: \"{ch}...\")"
    shown = ch if ch.isprintable() else repr(ch)
    return f"unexpected character '{shown}'; expected {_expected(set(e.allowed or ()))}"


_DECLARATIONS = frozenset(NODE_TYPES) | {"flow", "var"}
_TWO_WORDS = re.compile(r"=\s*([A-Za-z_][\w.-]*)\s+([A-Za-z_][\w.-]*)\s*$")


def _token_message(text: str, e: UnexpectedToken) -> tuple[str, int | None]:
    """What went wrong at an unexpected token, in the words of the mistakes people make, and
    where the mistake is when that is not at the token itself."""
    tok = e.token
    got = str(tok)
    expected = set(e.expected or ())
    before = text[: tok.start_pos]
    line_before = before[before.rfind("\n") + 1 :]
    if not before.strip() and got == "{":
        return "this looks like JSON: a .flow file holds the DSL (name it .json)", None
    if tok.type == "COLON" and "EQUAL" in expected:
        return "use '=' (not ':') between a field and its value", None
    if tok.type == "COLON":
        return "':' is only used in 'var NAME: TYPE'; use '=' for a field's value", None
    declaration = re.fullmatch(r"\s*([A-Za-z_][\w.-]*)\s+", line_before)
    if declaration and declaration.group(1) not in _DECLARATIONS:
        declaration = None
    if tok.type == "LBRACE" and declaration:
        kind = declaration.group(1)
        return f"'{kind}' needs a name: write {kind} NAME {{ ... }}", None
    if {"EQUAL", "ARROW", "LBRACE"} <= expected:
        opened = _unclosed(before)
        if declaration and opened is not None:
            line = _line_col(text, opened)[0]
            message = (
                f"'{declaration.group(1)} {got}' starts a new declaration, but the block opened "
                f"on line {line} is still open: is a '}}' missing above?"
            )
            return message, len(before) - len(line_before) + declaration.start(1)
        two = _TWO_WORDS.search(before)
        if two:
            words = f"{two.group(1)} {two.group(2)}"
            return f'text with spaces must be in double quotes: "{words} ..."', two.start(1)
        return f"expected '=', '->' or '{{' after the field name, found '{got}'", None
    if tok.type == "EQUAL" and "RSQB" in expected:
        return "unexpected '=' in a list: write each object of a list as { key = value }", None
    if tok.type in ("RBRACE", "RSQB") and "NUMBER" in expected:  # a value was due
        return f"expected a value after '=' (or a node after '->'), found '{got}'", None
    if tok.type == "NUMBER" and "NAME" in expected:
        return f"unexpected '{got}': a name must start with a letter (or be in double quotes)", None
    if tok.type in ("RBRACE", "RSQB"):
        return f"unexpected '{got}': nothing is open here to close", None
    return f"unexpected '{got}'; expected {_expected(expected)}", None


def _eof_message(text: str, e: UnexpectedInput) -> str:
    opened = _unclosed(text)
    if opened is not None:
        line = _line_col(text, opened)[0]
        return f"the file ends before the '{text[opened]}' opened on line {line} is closed"
    expected = set(getattr(e, "expected", ()) or ())
    return f"the file ends too early; expected {_expected(expected)}"


def _unclosed(text: str) -> int | None:
    stack: list[int] = []
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[{}\[\]]', text):
        c = m.group()[0]
        if c in "{[":
            stack.append(m.start())
        elif c in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else None
