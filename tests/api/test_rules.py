"""`GET /api/rules`: the designer explains a problem's code with the rule's own documentation."""

from __future__ import annotations

from flask.testing import FlaskClient

from sce.access.roles import Role
from sce.lint import RULES
from tests.api.people import People


def test_every_rule_comes_with_its_documentation(client: FlaskClient, people: People) -> None:
    answer = client.get("/api/rules", headers=people.token(Role.VIEWER))
    assert answer.status_code == 200
    rules = {r["code"]: r for r in answer.get_json()["rules"]}
    assert set(rules) == set(RULES)
    menu = rules["SCE301"]
    assert menu["name"] == RULES["SCE301"].name
    assert menu["doc"] == RULES["SCE301"].doc and "timeout" in menu["doc"]


def test_the_rules_are_read_like_flows(client: FlaskClient, people: People) -> None:
    assert client.get("/api/rules").status_code == 401
    assert client.get("/api/rules", headers=people.token(Role.VOICE)).status_code == 403
