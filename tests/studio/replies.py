"""Business systems for generated calls of imported flows: each http node answered with what the
flow reads of it, the values chosen from what the flow's branches compare them with, so that a
search (tests/studio/paths.py) can take each branch's way as a person's test call would.

    for world in WORLDS:
        reach_an_end(flow_file, http=stubs_for(flow, world))
"""

from __future__ import annotations

import re

from runtime.simulator import HttpStub
from sce.model.flow import Flow

#: The worlds a search tries: the choices round each value's list, then every system down.
WORLDS = (*range(8), -1)
_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'")


def stubs_for(flow: Flow, world: int = 0) -> list[HttpStub]:
    """Business systems that answer each http node of the flow with what it reads: every JSON
    pointer its `save` names, holding one of the texts the branches compare that variable with,
    those whose way leads on to a menu or collect first ('1' last); the `world`-th choice round
    that list, so the search can take each branch's way as a person's test call would. World -1
    is the one where every business system fails."""
    if world < 0:
        return [HttpStub("*", 503, None, "the business system is down")]
    stubs = []
    for node in flow.nodes.values():
        if node.type != "http":
            continue
        reply: dict[str, object] = {}
        for var, pointer in getattr(node, "save", {}).items():
            parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
            here = reply
            for part in parts[:-1]:
                nxt = here.setdefault(part, {})
                here = nxt if isinstance(nxt, dict) else {}
            choices = _compared(flow, var)
            if parts:
                here[parts[-1]] = choices[world % len(choices)]
        pattern = re.sub(r"\{[^{}]*\}", "*", getattr(node, "url", "")).split("?", 1)[0] + "*"
        stubs.append(HttpStub(f"{getattr(node, 'method', 'GET')} {pattern}", 200, reply))
    return [*stubs, HttpStub("*", 200, {})]


def _compared(flow: Flow, var: str) -> list[str]:
    """The texts branches compare `var` with: those whose case leads on to a caller's input
    first ('1', which no case names, first of all when a branch's default does), then the
    rest."""
    ahead, rest, default_ahead = [], [], False
    for node in flow.nodes.values():
        cases = [
            c
            for c in getattr(node, "cases", []) or []
            if re.search(rf"\b{re.escape(var)}\b", c.when)
        ]
        for case in cases:
            literals = _LITERAL.findall(case.when)
            (ahead if _reaches_input(flow, case.next) else rest).extend(literals)
        default = getattr(node, "default", None)
        if cases and isinstance(default, str) and _reaches_input(flow, default):
            default_ahead = True
    ordered = [*(["1"] if default_ahead else []), *ahead, *rest, "1"]
    return list(dict.fromkeys(ordered))


def _reaches_input(flow: Flow, start: str) -> bool:
    todo, seen = [start], {start}
    while todo:
        node = flow.nodes.get(todo.pop())
        if node is None:
            continue
        if node.type in ("menu", "collect"):
            return True
        for _, target in node.targets():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return False


def asks(flow: Flow) -> bool:
    """Whether a call can reach a menu or collect of the flow (by its exits, whatever it hears)."""
    return _reaches_input(flow, flow.start or "")
