"""How every endpoint of the API reads its request: the JSON body, a flow draft in it, its text
and number fields, and integer query parameters. Each refuses what it cannot use with a 400 that
says what and where (the JSON pointer, or line and column of the body), so a bad request gets the
same answer from every blueprint.

A draft comes as `{"document": {...}}` (what the designer holds) or as
`{"text": "...", "format": "json"|"flow", "path": "name"}` (a file's text: DSL diagnostics then
carry line and column, and `path` is what they name). A body that carries a draft may be at most
MAX_DRAFT_BYTES, far less than the app's limit for other bodies: building a draft takes CPU in
proportion to its size (a pathological one a few µs per byte, seconds per megabyte, holding the
GIL), and the checks are open to anyone, so the size bounds what one request can take from the
voice webhooks served by the same process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, overload

from flask import request

from sce import jsontext
from sce.api.errors import ApiError
from sce.loader import LoadedFlow, format_of, load_data, load_text
from sce.source import Source

#: Formats of a posted flow text.
FORMATS = ("json", "flow")
#: Largest body that carries a draft (lint, compile, a posted deploy, a draft test call). The
#: bundled flows are a few KiB; a generated flow of 1,000 nodes is 190 KiB as compact JSON and
#: 270 KiB indented, so 1 MiB holds several thousand nodes.
MAX_DRAFT_BYTES = 1024 * 1024


def json_body(*, optional: bool = False) -> dict[str, object]:
    """The request's body as a JSON object. An empty body is `{}` when `optional`; anything
    else that is not one object (no JSON, not UTF-8, a repeated key, a list) is a 400 that says
    where; a body over the app's limit is a 413 (Flask's MAX_CONTENT_LENGTH)."""
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        # A chunked body has no length to refuse it by beforehand; Werkzeug stops reading it
        # at the limit without saying so, and the cut JSON would be reported as malformed.
        raise ApiError(413, f"the body is larger than the {_size(limit)} the server takes")
    if not raw.strip():
        if optional:
            return {}
        raise ApiError(400, "the body is empty: send a JSON object")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ApiError(
            400, f"the body is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})"
        ) from None
    try:
        data, duplicates = jsontext.parse(text)
    except jsontext.JsonSyntaxError as e:
        line, column = Source(None, text).line_col(e.offset)
        raise ApiError(
            400, f"the body is not JSON: {e.message} (line {line}, column {column})"
        ) from None
    if duplicates:
        first = duplicates[0]
        line, column = Source(None, text).line_col(first.offset)
        raise ApiError(
            400,
            f"the body repeats the key at '{first.pointer}' (line {line}, column {column}); "
            "a key may appear once in an object",
        )
    if not isinstance(data, dict):
        raise ApiError(400, f"the body must be a JSON object, not {_kind(data)}")
    return data


def draft_body() -> dict[str, object]:
    """The body of an endpoint that takes only a draft: `json_body`, refused with 413 before it
    is parsed when it is over MAX_DRAFT_BYTES."""
    _check_draft_size()
    return json_body()


def posted_draft(body: Mapping[str, object]) -> LoadedFlow:
    """The flow a body carries, loaded (sound or not: a draft's problems are diagnostics):
    `document`, or `text` with `format` (default: from `path`'s suffix, else json). A body over
    MAX_DRAFT_BYTES is a 413: nothing is loaded."""
    _check_draft_size()
    path = text_field(body, "path")
    fmt = text_field(body, "format")
    if fmt is not None and fmt not in FORMATS:
        raise ApiError(400, f"/format must be one of {', '.join(FORMATS)}, not '{fmt}'")
    if ("document" in body) == ("text" in body):
        raise ApiError(
            400, "send the flow as 'document' (an object) or as 'text' (a string): one of them"
        )
    if "document" in body:
        document = body["document"]
        if not isinstance(document, dict):
            raise ApiError(400, f"/document must be a flow object, not {_kind(document)}")
        return load_data(document, path)
    text = text_field(body, "text", required=True)
    return load_text(text, path, fmt or (format_of(path) if path else None) or "json")


@overload
def text_field(
    body: Mapping[str, object], name: str, *, required: Literal[True], limit: int | None = None
) -> str: ...
@overload
def text_field(
    body: Mapping[str, object], name: str, *, required: bool = False, limit: int | None = None
) -> str | None: ...
def text_field(
    body: Mapping[str, object], name: str, *, required: bool = False, limit: int | None = None
) -> str | None:
    """The string at `/name` (None when absent or null and not `required`), else a 400."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"/{name} is missing: it must be a string")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"/{name} must be a string, not {_kind(value)}")
    if limit is not None and len(value) > limit:
        raise ApiError(400, f"/{name} is too long ({len(value)} characters; at most {limit})")
    return value


def int_field(
    body: Mapping[str, object], name: str, *, minimum: int = 0, maximum: int | None = None
) -> int | None:
    """The integer at `/name` (None when absent or null) within bounds, else a 400."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(400, f"/{name} must be a whole number, not {_kind(value)}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ApiError(400, f"/{name} must be at least {minimum}{upper}, not {value}")
    return value


@overload
def query_int(name: str, *, default: int, minimum: int, maximum: int) -> int: ...
@overload
def query_int(name: str, *, default: None, minimum: int, maximum: int) -> int | None: ...
def query_int(name: str, *, default: int | None, minimum: int, maximum: int) -> int | None:
    """The query parameter `name` as a whole number from `minimum` to `maximum` (`default` when
    absent), else a 400. Only ASCII digits count: no sign, no spaces, no '1e3'."""
    value = request.args.get(name)
    if value is None:
        return default
    fits = value.isascii() and value.isdigit() and len(value) <= len(str(maximum))
    if not fits or not minimum <= int(value) <= maximum:
        raise ApiError(
            400, f"'{name}' must be a whole number from {minimum} to {maximum}, not '{value}'"
        )
    return int(value)


def _check_draft_size() -> None:
    """413 unless the request's body is small enough to carry a draft (MAX_DRAFT_BYTES)."""
    size = request.content_length
    if size is None:
        size = len(request.get_data(cache=True))
    if size > MAX_DRAFT_BYTES:
        raise ApiError(
            413,
            f"the body is {size} bytes; a body that carries a flow draft may be at most "
            f"{_size(MAX_DRAFT_BYTES)}",
        )


def _size(limit: int) -> str:
    """A limit as people read it: "1 MiB (1048576 bytes)"."""
    return f"{limit / (1024 * 1024):g} MiB ({limit} bytes)"


def _kind(value: object) -> str:
    """A JSON value's type as a message to a program names it ("/text must be a string, not a
    number"). The schema's messages (`sce.schema.messages`) speak to flow authors instead
    ("expected text, got a number") and keep their own words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
