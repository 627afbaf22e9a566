"""Twilio Studio's Liquid as our templates and expressions.

Studio fills its widgets' texts with Liquid: `{{widgets.gather_1.Digits}}`, filters such as
`{{ name | downcase | default: 'friend' }}` and tags such as `{% if %}`. This module reads that
Liquid (never evaluating it) and writes the same text as one of our templates (`{expr}` parts)
or as one expression whose value is the text Liquid renders. What has no equivalent is left out,
with a problem that quotes it, so the importer can report it under the widget's name.

One difference is on purpose: a bare value as a condition (`{% if flow.variables.x %}`) means
"present and not empty" here, where Liquid also counts the empty text as true: Studio authors
write it to test whether a value came.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

Resolve = Callable[[tuple[str, ...]], str | None]


@dataclass(frozen=True)
class Translated:
    text: str
    problems: tuple[str, ...] = ()


def template(source: str, resolve: Resolve) -> Translated:
    """Our template for a Liquid text: literal text kept (braces escaped), each output a part."""
    t = _Translator(source, resolve)
    parts = t.run()
    text = "".join(
        _escape(p) if isinstance(p, str) else "" if p.expr == "''" else "{" + p.expr + "}"
        for p in parts
    )
    return Translated(text, tuple(t.problems))


def expression(source: str, resolve: Resolve) -> Translated:
    """One expression whose value is the text the Liquid renders."""
    t = _Translator(source, resolve)
    parts = [p for p in t.run() if p != ""]
    return Translated(_concat(parts), tuple(t.problems))


# -- the pieces ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Expr:
    """An expression of ours; `text` tells one known to be text from one of any kind."""

    expr: str
    text: bool = False


_Part = str | _Expr


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _as_text(part: _Part) -> str:
    if isinstance(part, str):
        return _quote(part)
    return part.expr if part.text else f"text({part.expr})"


def _concat(parts: list[_Part]) -> str:
    if not parts:
        return "''"
    if len(parts) == 1 and isinstance(parts[0], _Expr):
        return parts[0].expr
    return " + ".join(_as_text(p) for p in parts)


_TAG = re.compile(r"\{\{-?|\{%-?")
_WORD = re.compile(
    r"""\s*(?:
      (?P<str>'[^']*'|"[^"]*")
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|<>|>=|<=|>|<)
    | (?P<name>[A-Za-z_][\w-]*)
    | (?P<punct>[.\[\]|:,=()])
    )""",
    re.VERBOSE,
)


@dataclass
class _Tokens:
    items: list[tuple[str, str]]
    at: int = 0

    def peek(self, k: int = 0) -> tuple[str, str]:
        i = self.at + k
        return self.items[i] if i < len(self.items) else ("end", "")

    def take(self) -> tuple[str, str]:
        found = self.peek()
        self.at += 1
        return found

    def accept(self, value: str) -> bool:
        if self.peek()[1] == value and self.peek()[0] in ("punct", "op", "name"):
            self.at += 1
            return True
        return False


class _Unsupported(Exception):
    pass


def _tokens(text: str) -> _Tokens:
    items: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _WORD.match(text, pos)
        if m is None or m.end() == pos:
            raise _Unsupported(f"cannot read '{text[pos:].strip()}'")
        kind = m.lastgroup or ""
        items.append((kind, m.group(kind)))
        pos = m.end()
    return _Tokens(items)


@dataclass
class _Translator:
    source: str
    resolve: Resolve
    problems: list[str] = field(default_factory=list)
    assigned: dict[str, _Expr] = field(default_factory=dict)

    def run(self) -> list[_Part]:
        self.pieces = self._split(self.source)
        self.at = 0
        parts = self._block(stop=())
        return _merge(parts)

    # -- text and tags ---------------------------------------------------------------------

    def _split(self, text: str) -> list[tuple[str, str]]:
        """("text", literal) / ("out", inner) / ("tag", inner), whitespace control applied."""
        pieces: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TAG.search(text, pos)
            if m is None:
                pieces.append(("text", text[pos:]))
                break
            literal = text[pos : m.start()]
            if m.group().endswith("-"):
                literal = literal.rstrip()
            pieces.append(("text", literal))
            close = "}}" if m.group().startswith("{{") else "%}"
            end = text.find(close, m.end())
            if end < 0:
                self.problems.append(
                    f"an unclosed Liquid tag was kept as text: {text[m.start() :][:60]}"
                )
                pieces.append(("text", text[m.start() :]))
                break
            inner = text[m.end() : end]
            trim_after = inner.endswith("-")
            if trim_after:
                inner = inner[:-1]
            pieces.append(("out" if close == "}}" else "tag", inner.strip()))
            pos = end + 2
            if trim_after:
                while pos < len(text) and text[pos].isspace():
                    pos += 1
        return [p for p in pieces if p != ("text", "")]

    def _block(self, stop: tuple[str, ...]) -> list[_Part]:
        parts: list[_Part] = []
        while self.at < len(self.pieces):
            kind, inner = self.pieces[self.at]
            if kind == "tag" and inner.split(" ", 1)[0] in stop:
                return parts
            self.at += 1
            if kind == "text":
                parts.append(inner)
            elif kind == "out":
                parts.append(self._output(inner))
            else:
                parts.extend(self._tag(inner))
        if stop:
            self.problems.append(f"a Liquid block is not closed ({' or '.join(stop)} missing)")
        return parts

    def _output(self, inner: str) -> _Part:
        try:
            return self._filtered(_tokens(inner), end_ok=True)
        except _Unsupported as e:
            self.problems.append(f"{e}: {{{{ {inner} }}}} left out")
            return ""

    def _tag(self, inner: str) -> list[_Part]:
        name, _, rest = inner.partition(" ")
        rest = rest.strip()
        try:
            if name == "if" or name == "unless":
                return [self._if(rest, negate=name == "unless", end="end" + name)]
            if name == "case":
                return [self._case(rest)]
            if name == "assign":
                target, _, value = rest.partition("=")
                self.assigned[target.strip()] = self._filtered(_tokens(value), end_ok=True)
                return []
            if name == "comment":
                self._skip_to("endcomment")
                return []
            if name == "raw":
                return self._raw()
        except _Unsupported as e:
            self.problems.append(f"{e}: {{% {inner} %}} left out")
            return []
        self.problems.append(f"the Liquid tag '{name}' has no equivalent: {{% {inner} %}} left out")
        if name in ("for", "capture", "tablerow"):
            self._skip_to("end" + name)
        return []

    def _skip_to(self, end: str) -> None:
        while self.at < len(self.pieces):
            kind, inner = self.pieces[self.at]
            self.at += 1
            if kind == "tag" and inner.split(" ", 1)[0] == end:
                return

    def _raw(self) -> list[_Part]:
        out: list[_Part] = []
        while self.at < len(self.pieces):
            kind, inner = self.pieces[self.at]
            self.at += 1
            if kind == "tag" and inner == "endraw":
                break
            out.append(
                inner
                if kind == "text"
                else ("{{ " if kind == "out" else "{% ")
                + inner
                + (" }}" if kind == "out" else " %}")
            )
        return out

    def _if(self, condition: str, *, negate: bool, end: str) -> _Expr:
        branches: list[tuple[str, list[_Part]]] = []
        cond = self._condition(_tokens(condition))
        branches.append((f"not ({cond})" if negate else cond, self._block(("elsif", "else", end))))
        otherwise: list[_Part] = []
        while self.at < len(self.pieces):
            _, inner = self.pieces[self.at]
            self.at += 1
            word, _, rest = inner.partition(" ")
            if word == "elsif":
                branches.append(
                    (self._condition(_tokens(rest)), self._block(("elsif", "else", end)))
                )
            elif word == "else":
                otherwise = self._block((end,))
            else:
                break
        return self._choose(branches, otherwise)

    def _case(self, subject_text: str) -> _Expr:
        subject = self._filtered(_tokens(subject_text), end_ok=True)
        branches: list[tuple[str, list[_Part]]] = []
        otherwise: list[_Part] = []
        self._block(("when", "else", "endcase"))  # text before the first when renders nothing
        while self.at < len(self.pieces):
            _, inner = self.pieces[self.at]
            self.at += 1
            word, _, rest = inner.partition(" ")
            if word == "when":
                tokens = _tokens(rest)
                tests = []
                while tokens.peek()[0] != "end":
                    value = self._value(tokens)
                    tests.append(f"{_text_of(subject)} == {_text_of(value)}")
                    if not (tokens.accept(",") or tokens.accept("or")):
                        break
                branches.append(
                    (" or ".join(tests) or "false", self._block(("when", "else", "endcase")))
                )
            elif word == "else":
                otherwise = self._block(("endcase",))
            else:
                break
        return self._choose(branches, otherwise)

    def _choose(self, branches: list[tuple[str, list[_Part]]], otherwise: list[_Part]) -> _Expr:
        result = _concat_text(otherwise)
        for cond, parts in reversed(branches):
            result = f"if({cond}, {_concat_text(parts)}, {result})"
        return _Expr(result, text=True)

    # -- expressions -----------------------------------------------------------------------

    def _condition(self, tokens: _Tokens) -> str:
        left = self._comparison(tokens)
        word = tokens.peek()[1]
        if word in ("and", "or"):
            tokens.take()
            return f"{left} {word} ({self._condition(tokens)})"  # Liquid: right to left
        if tokens.peek()[0] != "end":
            raise _Unsupported(f"cannot read the condition near '{word}'")
        return left

    def _comparison(self, tokens: _Tokens) -> str:
        left = self._value(tokens)
        kind, op = tokens.peek()
        if kind == "op" or op == "contains":
            tokens.take()
            right = self._value(tokens)
            if op == "contains":
                return f"contains({_text_of(left)}, {_text_of(right)})"
            op = "!=" if op == "<>" else op
            if right.expr in ("''", "null") and op in ("==", "!="):
                return f"{_text_of(left)} {op} ''"
            if op in ("==", "!="):
                return f"{_text_of(left)} {op} {_text_of(right)}"
            return f"{_num(left)} {op} {_num(right)}"
        return f"{_text_of(left)} != ''"

    def _filtered(self, tokens: _Tokens, *, end_ok: bool) -> _Expr:
        value = self._value(tokens)
        while tokens.accept("|"):
            kind, name = tokens.take()
            if kind != "name":
                raise _Unsupported("a filter without a name")
            args: list[_Expr] = []
            if tokens.accept(":"):
                args.append(self._value(tokens))
                while tokens.accept(","):
                    args.append(self._value(tokens))
            value = self._filter(name, value, args)
        if tokens.peek()[0] != "end":
            raise _Unsupported(f"cannot read '{tokens.peek()[1]}'")
        return value

    def _filter(self, name: str, value: _Expr, args: list[_Expr]) -> _Expr:
        one = args[0] if args else _Expr("''", text=True)
        t = _text_of(value)
        simple = {"downcase": "lower", "upcase": "upper", "strip": "trim", "size": "len"}
        if name in simple:
            return _Expr(f"{simple[name]}({t})", text=name != "size")
        if name in ("lstrip", "rstrip"):
            self.problems.append(f"the filter '{name}' is approximated: spaces at both ends go")
            return _Expr(f"trim({t})", text=True)
        if name == "default":
            return _Expr(f"default({value.expr}, {one.expr})")
        arithmetic = {"plus": "+", "minus": "-", "times": "*", "divided_by": "/", "modulo": "%"}
        if name in arithmetic:
            return _Expr(f"({_num(value)} {arithmetic[name]} {_num(one)})")
        if name == "remove":
            return _Expr(f"replace({t}, {_text_of(one)}, '')", text=True)
        if name == "replace" and len(args) == 2:
            return _Expr(f"replace({t}, {_text_of(args[0])}, {_text_of(args[1])})", text=True)
        if name == "append":
            return _Expr(f"{t} + {_text_of(one)}", text=True)
        if name == "prepend":
            return _Expr(f"{_text_of(one)} + {t}", text=True)
        if name == "capitalize":
            return _Expr(f"upper(substr({t}, 0, 1)) + substr({t}, 1)", text=True)
        if name == "truncate":
            self.problems.append("the filter 'truncate' is approximated: no '...' is added")
            return _Expr(f"substr({t}, 0, {_num(one)})", text=True)
        self.problems.append(f"the filter '{name}' has no equivalent: the value is used unfiltered")
        return value

    def _value(self, tokens: _Tokens) -> _Expr:
        kind, word = tokens.take()
        if kind == "str":
            return _Expr(_quote(word[1:-1]), text=True)
        if kind == "num":
            return _Expr(word)
        if kind == "punct" and word == "(":
            raise _Unsupported("Liquid ranges have no equivalent")
        if kind != "name":
            raise _Unsupported(f"cannot read '{word}'")
        if word in ("true", "false"):
            return _Expr(word)
        if word in ("nil", "null", "empty", "blank"):
            return _Expr("''", text=True)
        path = [word]
        while True:
            if tokens.accept("."):
                k, name = tokens.take()
                if k not in ("name", "num"):
                    raise _Unsupported("a '.' not followed by a name")
                path.append(name)
            elif tokens.accept("["):
                k, key = tokens.take()
                path.append(key[1:-1] if k == "str" else key)
                if not tokens.accept("]"):
                    raise _Unsupported("an unclosed '['")
            else:
                break
        if len(path) == 1 and path[0] in self.assigned:
            return self.assigned[path[0]]
        if path[-1] in ("size", "first", "last") and len(path) > 1:
            base = self._path(tuple(path[:-1]))
            if path[-1] == "size":
                return _Expr(f"len({_text_of(base)})")
            self.problems.append(f"'.{path[-1]}' has no equivalent: {'.'.join(path)} left out")
            return _Expr("''", text=True)
        return self._path(tuple(path))

    def _path(self, path: tuple[str, ...]) -> _Expr:
        found = self.resolve(path)
        if found is None:
            self.problems.append(f"unknown value {{{{{'.'.join(path)}}}}}: it is empty here")
            return _Expr("''", text=True)
        return _Expr(found)


def _text_of(e: _Expr) -> str:
    return e.expr if e.text else f"text({e.expr})"


def _num(e: _Expr) -> str:
    if re.fullmatch(r"-?\d+(\.\d+)?", e.expr):
        return e.expr
    return f"number(default({_text_of(e)}, '0'))"


def _concat_text(parts: list[_Part]) -> str:
    parts = [p for p in parts if p != ""]
    if not parts:
        return "''"
    return " + ".join(_as_text(p) for p in parts)


def _merge(parts: list[_Part]) -> list[_Part]:
    merged: list[_Part] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        elif p != "":
            merged.append(p)
    return merged
