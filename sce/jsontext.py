"""JSON text with the rules a flow file needs: no duplicate keys, finite numbers, positions.

`json.loads` is fast but knows no positions, so positions are found only when a diagnostic needs
one: `JsonPositions` scans the text once and maps every JSON pointer to the line and column of its
key (object members) or value (array items). The same scan finds duplicate keys with their place.

The other way, `unwritable` finds what in data no UTF-8 JSON file can hold, and `to_json` writes
data as the project's JSON files hold it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from sce.diagnostics import escape_pointer

_SURROGATE = re.compile("[\ud800-\udfff]")
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


class JsonSyntaxError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class _Duplicate(Exception):
    pass


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not allowed in a flow file; use a number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise _Duplicate
    return d


def _describe(msg: str) -> str:
    """JSON decoder messages in words for a flow author."""
    table = {
        "Expecting property name enclosed in double quotes": "expected a field name in double "
        "quotes (a trailing comma before '}' is not allowed)",
        "Expecting ',' delimiter": "expected ',' between items",
        "Expecting ':' delimiter": "expected ':' after the field name",
        "Expecting value": "expected a value (text in double quotes, a number, true, false, null, "
        "an object or a list)",
        "Extra data": "unexpected text after the end of the document",
        "Unterminated string starting at": "text is not closed with a double quote",
        "Invalid control character at": "a line break or control character inside text; write \\n",
        "Invalid \\escape": "invalid escape in text (use \\\\ for a backslash)",
    }
    for prefix, words in table.items():
        if msg.startswith(prefix):
            return words
    return msg


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    pointer: str
    offset: int


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse(text: str) -> tuple[object, list[DuplicateKey]]:
    """Parse JSON text; raise JsonSyntaxError with an offset. Duplicate keys are returned."""
    data, dups = _parse(text)
    lone = _lone_surrogate(text)
    if lone is not None and unwritable(data) is not None:
        # Valid JSON, but half of a UTF-16 pair is no character: no UTF-8 file can hold it.
        escape = text[lone : lone + 6]
        raise JsonSyntaxError(f"{escape} is half of a UTF-16 surrogate pair, not a character", lone)
    return data, dups


def _lone_surrogate(text: str) -> int | None:
    """Offset of the first surrogate escape that is not half of a high-low pair."""
    pending: int | None = None  # a high surrogate waiting for its low half
    for m in _SURROGATE_ESCAPE.finditer(text):
        high = m.group()[3].lower() in "89ab"
        if pending is not None and not high and m.start() == pending + 6:
            pending = None
            continue
        if pending is not None or not high:
            return pending if pending is not None else m.start()
        pending = m.start()
    return pending


def unwritable(value: object, max_depth: int | None = None) -> tuple[str, str] | None:
    """(JSON pointer, why) of the first value that no UTF-8 JSON file can hold, or None: text
    with half of a UTF-16 surrogate pair (JSON's "\\ud800" parses to one), or a number that is
    not finite (a Python NaN). With `max_depth`, also a list or object nested deeper than that:
    a file can hold it, but code that walks data recursively (`dataclasses.asdict`, `copy`)
    fails on it a few hundred levels down, so what is stored must stay well above that."""
    stack: list[tuple[str, object, int]] = [("", value, 0)]
    while stack:
        ptr, v, depth = stack.pop()
        if isinstance(v, dict | list):
            depth += 1
            if max_depth is not None and depth > max_depth:
                return ptr, f"nested more than {max_depth} levels deep"
        if isinstance(v, str) and _SURROGATE.search(v):
            return ptr, "the text holds half of a UTF-16 surrogate pair, which is not a character"
        if isinstance(v, float) and not math.isfinite(v):
            return ptr, f"the number {v} is not allowed in a flow; use a finite number"
        if isinstance(v, dict):
            for key, x in reversed(v.items()):
                if isinstance(key, str) and _SURROGATE.search(key):
                    return ptr, f"the key {key!r} holds half of a UTF-16 surrogate pair"
                stack.append((f"{ptr}/{escape_pointer(str(key))}", x, depth))
        elif isinstance(v, list):
            stack.extend((f"{ptr}/{i}", x, depth) for i, x in reversed(list(enumerate(v))))
    return None


def to_json(data: object, indent: int = 2) -> str:
    """`data` as the project's JSON files hold it: indented by 2, UTF-8 as is (Chinese prompts
    stay readable), ending with a newline."""
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


_FIRST_INDENT = re.compile(r"\n( +)\S")


def indent_of(text: str) -> int:
    """The indent of a JSON text's first indented line (2 when it has none), so that a file
    written again keeps the indent its author chose."""
    m = _FIRST_INDENT.search(text)
    return len(m.group(1)) if m and len(m.group(1)) <= 8 else 2


def has_surrogate(value: object) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _parse(text: str) -> tuple[object, list[DuplicateKey]]:
    try:
        return json.loads(
            text, object_pairs_hook=_pairs, parse_constant=_no_constant, parse_float=_finite
        ), []
    except _Duplicate:
        dups = JsonPositions(text).duplicates
        data = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
        return data, dups
    except json.JSONDecodeError as e:
        raise JsonSyntaxError(_describe(e.msg), e.pos) from None
    except RecursionError:
        raise JsonSyntaxError("the document is nested too deeply", 0) from None
    except ValueError as e:
        # int() of a number with thousands of digits, or a constant/infinite number.
        raise JsonSyntaxError(_number_message(e), _first_bad_number(text)) from None


def _number_message(e: ValueError) -> str:
    text = str(e)
    if "digits" in text or "integer string conversion" in text:
        return "a number has too many digits"
    return text


def _first_bad_number(text: str) -> int:
    m = re.search(r"NaN|-?Infinity|-?\d{400,}|-?\d+(?:\.\d+)?[eE][+-]?\d{3,}", text)
    return m.start() if m else 0


class JsonPositions:
    """Pointer → offset of every key and array item in a JSON text that parsed."""

    def __init__(self, text: str) -> None:
        self.offsets: dict[str, int] = {"": 0}
        self.duplicates: list[DuplicateKey] = []
        self._scan(text)

    def _scan(self, text: str) -> None:
        # Stack of [pointer, is_object, next_index, keys_seen]; `pending` is the pointer of the
        # value about to start (a key was just read, or an array item is due).
        stack: list[list] = []
        key_ptr: str | None = None
        expect_key = False
        for m in _TOKEN.finditer(text):
            tok = m.group()
            c = tok[0]
            if c in "{[":
                ptr = self._value_ptr(stack, key_ptr, m.start())
                key_ptr = None
                stack.append([ptr, c == "{", 0, set()])
                expect_key = c == "{"
            elif c in "}]":
                if stack:
                    stack.pop()
                expect_key = False
            elif c == ",":
                expect_key = bool(stack) and stack[-1][1]
            elif c == ":":
                expect_key = False
            elif expect_key and c == '"':
                frame = stack[-1]
                try:
                    key = json.loads(tok)
                except ValueError:
                    key = tok[1:-1]
                key_ptr = frame[0] + "/" + escape_pointer(key)
                if key in frame[3]:
                    self.duplicates.append(DuplicateKey(key_ptr, m.start()))
                else:
                    frame[3].add(key)
                    self.offsets[key_ptr] = m.start()
                expect_key = False
            else:
                self._value_ptr(stack, key_ptr, m.start())
                key_ptr = None

    def _value_ptr(self, stack: list[list], key_ptr: str | None, offset: int) -> str:
        if key_ptr is not None:
            return key_ptr
        if not stack:
            return ""
        frame = stack[-1]
        ptr = f"{frame[0]}/{frame[2]}"
        frame[2] += 1
        self.offsets.setdefault(ptr, offset)
        return ptr
