"""Reading call scripts (YAML, or JSON) and HTTP stub files into `Script`s, checking every key
and value as it goes: a malformed script is refused with `file:line` of what is wrong, before
any call is made."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from runtime.errors import ScriptError
from runtime.scripts.steps import (
    ACTIONS,
    CALL_KEYS,
    EXPECTATIONS,
    KEYS,
    TRANSFER_FIELDS,
    TRANSFER_OUTCOMES,
    Script,
    ScriptCall,
    Step,
    is_seconds,
)
from runtime.simulator import HttpStub, parse_moment

#: How script files are named; folders given to `sce call --script` are searched for these.
SCRIPT_SUFFIXES = (".calls.yaml", ".calls.yml", ".calls.json")


class _Reader:
    """YAML (or JSON) nodes to values, every error naming `file:line`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.json = path.suffix.lower() == ".json"
        self.constructor = yaml.constructor.SafeConstructor()

    def root(self) -> Node:
        try:
            text = self.path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ScriptError(f"{self.path}: not UTF-8 text ({e.reason})") from None
        if self.json:
            try:
                json.loads(text)
            except json.JSONDecodeError as e:
                raise ScriptError(f"{self.path}:{e.lineno}: {e.msg} (column {e.colno})") from None
            text = text.replace("\t", " ")  # valid JSON has tabs only between tokens
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark else 1
            alias = "alias" in f"{e.context} {e.problem}"
            hint = ' (quote keys: press: "*")' if alias else ""
            raise ScriptError(f"{self.path}:{line}: {e.problem or e}{hint}") from None
        if node is None:
            raise ScriptError(f"{self.path}:1: the file is empty")
        return node

    def fail(self, node: Node, message: str) -> ScriptError:
        return ScriptError(f"{self.path}:{node.start_mark.line + 1}: {message}")

    def mapping(self, node: Node, what: str) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} should be a mapping of `key: value` lines")
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            name = self.text(key, "a key")
            if name in out:
                raise self.fail(key, f"'{name}' is given twice in {what}")
            out[name] = (key, value)
        return out

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or self.is_null(node):
            raise self.fail(node, f"{what} should be a single text")
        return str(node.value)

    def is_null(self, node: Node) -> bool:
        return isinstance(node, ScalarNode) and node.style is None and self.value(node) is None

    def texts(self, node: Node, what: str) -> list[str]:
        if isinstance(node, SequenceNode):
            return [self.text(n, f"each of {what}") for n in node.value]
        return [self.text(node, what)]

    def number(self, node: Node, what: str) -> float:
        value = self.value(node)
        if not is_seconds(value):
            raise self.fail(node, f"{what} should be a number of seconds (0 or more)")
        return float(value)

    def value(self, node: Node) -> object:
        """Plain data; a timestamp stays the text it was written as."""
        if isinstance(node, MappingNode):
            return {k: self.value(v) for k, (_, v) in self.mapping(node, "a mapping").items()}
        if isinstance(node, SequenceNode):
            return [self.value(n) for n in node.value]
        if self.json and node.style is None:
            return json.loads(node.value)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as e:
            raise self.fail(node, f"cannot read this value: {getattr(e, 'problem', e)}") from None
        if isinstance(value, date | datetime):
            return node.value
        if not isinstance(value, str | int | float | bool | type(None)):
            kind = type(value).__name__
            raise self.fail(node, f"a {kind} is not a value a call script can hold (JSON values)")
        return value

    def unknown(self, node: Node, name: str, known: Iterable[str], what: str) -> ScriptError:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})"
        return self.fail(node, f"unknown {what} '{name}'{hint}")


def load_script(path: str | Path) -> Script:
    """Read and check a script; ScriptError (with `file:line`) when it cannot be run."""
    reader = _Reader(Path(path))
    root = reader.root()
    top = reader.mapping(root, "a call script")
    defaults_keys = tuple(k for k in CALL_KEYS if k not in ("steps", "name"))
    if "calls" in top:
        for name, (key, _) in top.items():
            if name not in (*defaults_keys, "calls"):
                what = "key beside 'calls' (each call has its own steps)"
                raise reader.unknown(key, name, (*defaults_keys, "calls"), what)
        defaults = _call(reader, top, root, ScriptCall("", root.start_mark.line + 1), False)
        calls_node = top["calls"][1]
        if not isinstance(calls_node, SequenceNode) or not calls_node.value:
            raise reader.fail(calls_node, "'calls' should be a list of calls, each with steps")
        calls = []
        for i, node in enumerate(calls_node.value, 1):
            base = ScriptCall(
                f"call {i}",
                node.start_mark.line + 1,
                defaults.flow,
                defaults.caller,
                defaults.called,
                defaults.at,
                list(defaults.http),
            )
            calls.append(_call(reader, reader.mapping(node, "a call"), node, base))
    else:
        calls = [_call(reader, top, root, ScriptCall("call", root.start_mark.line + 1))]
    return Script(Path(path), calls)


def _call(
    reader: _Reader,
    keys: dict[str, tuple[Node, Node]],
    node: Node,
    call: ScriptCall,
    with_steps: bool = True,
) -> ScriptCall:
    for name, (key, value) in keys.items():
        if name == "calls":
            continue
        if name not in CALL_KEYS:
            raise reader.unknown(key, name, CALL_KEYS, "key")
        if name in ("name", "flow", "caller", "called"):
            setattr(call, name, reader.text(value, f"'{name}'"))
        elif name == "at":
            call.at = _when(reader, value)
        elif name == "http":
            call.http = [*_stubs(reader, value), *call.http]
        else:
            if not isinstance(value, SequenceNode) or not value.value:
                raise reader.fail(value, "'steps' should be a list, one `- kind: value` a line")
            call.steps = [_step(reader, n) for n in value.value]
    if with_steps and "steps" not in keys:
        raise reader.fail(node, "a call needs `steps:`, the list of what happens in it")
    if "name" not in keys and call.flow:
        call.name = f"{call.name} ({call.flow})"
    return call


def _when(reader: _Reader, node: Node) -> float:
    text = reader.text(node, "'at'")
    try:
        return parse_moment(text).timestamp()
    except ValueError as e:
        raise reader.fail(node, f"'at': {e}") from None


def _stubs(reader: _Reader, node: Node) -> list[HttpStub]:
    out = []
    for pattern, (_, reply) in reader.mapping(node, "'http'").items():
        if not isinstance(reply, MappingNode):
            out.append(HttpStub(pattern, 200, reader.value(reply)))
            continue
        fields = reader.mapping(reply, f"the reply to '{pattern}'")
        for name, (k, _) in fields.items():
            if name not in ("status", "json", "error"):
                raise reader.fail(
                    k, f"a reply has status, json and error; put the body under json: ('{name}')"
                )
        status = reader.value(fields["status"][1]) if "status" in fields else 200
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise reader.fail(reply, f"the status of '{pattern}' should be an HTTP status code")
        error = reader.text(fields["error"][1], "'error'") if "error" in fields else None
        body = reader.value(fields["json"][1]) if "json" in fields else None
        out.append(HttpStub(pattern, status, body, error))
    return out


def load_stubs(path: str | Path) -> list[HttpStub]:
    """HTTP stubs from a YAML or JSON file shaped like a script's `http:` (`stubs_from`)."""
    reader = _Reader(Path(path))
    return _stubs(reader, reader.root())


def _step(reader: _Reader, node: Node) -> Step:
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):
        kind = node.value
        if kind not in ("silence", "hangup"):
            if kind in ACTIONS or kind in EXPECTATIONS:
                raise reader.fail(node, f"'{kind}' needs a value: `- {kind}: ...`")
            raise reader.unknown(node, kind, (*ACTIONS, *EXPECTATIONS), "step")
        return Step(kind, None, line)
    if not isinstance(node, MappingNode) or not node.value:
        raise reader.fail(node, 'a step is one `kind: value` pair, like `press: "1"`')
    keys = reader.mapping(node, "a step")
    if len(keys) > 1:
        names = ", ".join(keys)
        raise reader.fail(node, f"one step per list item, found {names} (start each with '- ')")
    kind, (key, value) = next(iter(keys.items()))
    parse = _PARSERS.get(kind)
    if parse is None:
        raise reader.unknown(key, kind, (*ACTIONS, *EXPECTATIONS), "step")
    return Step(kind, parse(reader, value), key.start_mark.line + 1)  # JSON: not the brace


def _flag(reader: _Reader, node: Node) -> object:
    if reader.is_null(node) or reader.value(node) is True:
        return None
    raise reader.fail(node, "write this step alone, or with `true`")


def _press(reader: _Reader, node: Node) -> str:
    if reader.is_null(node):
        raise reader.fail(
            node, 'press needs the keys in quotes: press: "1" (a bare # is a comment)'
        )
    keys = reader.text(node, "press")
    if not KEYS.fullmatch(keys):
        raise reader.fail(node, f"press takes keys 0-9, * and #, not '{keys}'")
    return keys


def _record(reader: _Reader, node: Node) -> dict[str, object]:
    if reader.is_null(node) or (isinstance(node, ScalarNode) and node.value == ""):
        return {"url": None, "seconds": 0}
    if isinstance(node, ScalarNode):
        return {"url": reader.text(node, "record"), "seconds": 5.0}
    keys = reader.mapping(node, "record")
    out: dict[str, object] = {"url": None, "seconds": 5.0}
    for name, (key, value) in keys.items():
        if name == "seconds":
            out[name] = reader.number(value, "seconds")
        elif name in ("url", "transcript"):
            out[name] = None if reader.is_null(value) else reader.text(value, name)
        else:
            raise reader.unknown(key, name, ("url", "seconds", "transcript"), "record field")
    return out


def _queue(reader: _Reader, node: Node) -> dict[str, float]:
    if isinstance(node, ScalarNode):
        return {"wait": reader.number(node, "queue"), "position": 1}
    out = {"wait": 0.0, "position": 1.0}
    for name, (key, value) in reader.mapping(node, "queue").items():
        if name not in out:
            raise reader.unknown(key, name, ("wait", "position"), "queue field")
        out[name] = reader.number(value, name)
    return out


def _transfer(reader: _Reader, node: Node) -> dict[str, str | None]:
    if isinstance(node, ScalarNode):
        out: dict[str, str | None] = {"outcome": reader.text(node, "transfer"), "detail": None}
    else:
        keys = reader.mapping(node, "transfer")
        out = {"outcome": None, "detail": None}
        for name, (key, value) in keys.items():
            if name not in out:
                raise reader.unknown(key, name, ("outcome", "detail"), "transfer field")
            out[name] = reader.text(value, name)
    if out["outcome"] not in TRANSFER_OUTCOMES:
        raise reader.fail(node, f"a transfer ends {', '.join(TRANSFER_OUTCOMES)}")
    return out


def _ended(reader: _Reader, node: Node) -> bool | str:
    value = reader.value(node)
    if isinstance(value, bool):
        return value
    return reader.text(node, "ended (true, false or the hangup reason)")


def _sms(reader: _Reader, node: Node) -> dict[str, str]:
    if isinstance(node, ScalarNode):
        return {"text": reader.text(node, "sms")}
    out = {}
    for name, (key, value) in reader.mapping(node, "sms").items():
        if name not in ("to", "text"):
            raise reader.unknown(key, name, ("to", "text"), "sms field")
        out[name] = reader.text(value, name)
    return out


def _transfer_to(reader: _Reader, node: Node) -> dict[str, object]:
    out = {}
    for name, (key, value) in reader.mapping(node, "transfer_to").items():
        if name not in TRANSFER_FIELDS:
            raise reader.unknown(key, name, TRANSFER_FIELDS, "transfer field")
        out[name] = reader.value(value)
    return out


_PARSERS: dict[str, Callable[[_Reader, Node], object]] = {
    "press": _press,
    "say": lambda r, n: r.text(n, "say"),
    "silence": _flag,
    "hangup": _flag,
    "record": _record,
    "queue": _queue,
    "transfer": _transfer,
    "wait": lambda r, n: r.number(n, "wait"),
    "hear": lambda r, n: r.texts(n, "hear"),
    "not_hear": lambda r, n: r.texts(n, "not_hear"),
    "sms": _sms,
    "path": lambda r, n: r.texts(n, "path"),
    "ended": _ended,
    "transfer_to": _transfer_to,
    "vars": lambda r, n: {k: r.value(v) for k, (_, v) in r.mapping(n, "vars").items()},
    "fetch": lambda r, n: r.text(n, "fetch"),
}


def script_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scripts named, with folders searched for `*.calls.yaml|yml|json`."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                Path(folder) / name
                for folder, _, names in os.walk(p)
                for name in names
                if name.lower().endswith(SCRIPT_SUFFIXES)
            )
            if not found:
                raise ScriptError(f"{p}: no call scripts ({', '.join(SCRIPT_SUFFIXES)}) here")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise ScriptError(f"{p}: no such file or folder")
    return out
