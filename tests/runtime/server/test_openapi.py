"""The API against its OpenAPI description: schemathesis fuzzes every endpoint, with and without
the token, with requests that fit the description and requests that do not, and finds no 500
and no answer that the description does not allow."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator

from runtime.server.openapi import description


class AppUnderTest:
    """The app of the test in progress, as one WSGI app: the schema below is made when this
    module is imported, before any fixture exists."""

    app: Flask | None = None

    def __call__(self, environ: dict[str, object], start: Callable[..., object]) -> Iterable[bytes]:
        assert self.app is not None, "the tested_app fixture sets the app"
        return self.app(environ, start)


TESTED = AppUnderTest()
CHECKS = {
    # A change without If-Match is refused with 428 Precondition Required (RFC 6585), once
    # the token is checked.
    "missing_required_header": {"expected-statuses": [401, 403, 428]},
    # A request that fits the description may still be refused by what it says: a stale ETag
    # (412), a flow with errors (422), a document for another flow (400).
    "positive_data_acceptance": {"enabled": False},
}
schema = schemathesis.openapi.from_dict(
    description(), config=schemathesis.Config.from_dict({"checks": CHECKS})
)
schema.app = TESTED


@pytest.fixture(autouse=True)
def tested_app(app: Flask) -> Iterator[Flask]:
    TESTED.app = app
    yield app
    TESTED.app = None


# One test per operation; 10 requests each, sent without and with the token, keep the whole
# fuzz within seconds.
@schema.parametrize()
@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_described(case: schemathesis.Case, writer: dict[str, str]) -> None:
    case.call_and_validate()
    case.call_and_validate(headers=writer)


def test_the_description_is_served_and_names_every_api_route(
    client: FlaskClient, app: Flask
) -> None:
    served = client.get("/api/openapi.json")
    assert served.status_code == 200 and served.json == description()
    assert served.json["openapi"] == "3.1.0"
    described = {
        (path, method.upper())
        for path, item in served.json["paths"].items()
        for method in item
        if method != "parameters"
    }
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") or rule.rule == "/healthz"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == described
    for schema_ in served.json["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema_)
