"""The flows a call needs: the flow called and every flow its subflow nodes may reach, found
among the files of a folder by flow id.

`sce call FILE` deploys just these, so that a broken or unrelated file beside FILE (a draft, a
test fixture in a sub-folder) never stops a clean flow from running; the other files that do
not load are reported as a warning at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sce.loader import LoadedFlow, load_path
from sce.model import Subflow


@dataclass
class Needed:
    """What a call needs from a folder."""

    #: The flows to deploy, as loaded from their files, in the order found (those called
    #: first).
    flows: list[LoadedFlow] = field(default_factory=list)
    #: Flow ids called or reached through a subflow node that no file holds.
    missing: list[str] = field(default_factory=list)
    #: Files that do not load and that nothing showed to be needed: perhaps one of them is.
    unreadable: list[LoadedFlow] = field(default_factory=list)
    #: The ids of every flow in the folder, sorted.
    found: list[str] = field(default_factory=list)


def flow_id_of(loaded: LoadedFlow) -> str:
    """The id a file's flow has, or claims to have when it does not load (its `flow` field),
    or, when not even that can be read, the file's name (flows are named by id)."""
    if loaded.flow is not None:
        return loaded.flow.flow
    claimed = loaded.data.get("flow") if loaded.data else None
    return claimed if isinstance(claimed, str) else Path(str(loaded.path)).stem


def needed(called: Iterable[str], files: Iterable[Path], given: Iterable[Path] = ()) -> Needed:
    """The files among `files` that flows `called` (ids) and the files `given` (deployed
    anyway, by path) need, following subflow nodes through every flow reached."""
    first = [load_path(p) for p in given]
    kept = {Path(p).resolve() for p in given}
    holders: dict[str, list[LoadedFlow]] = {}
    for path in files:
        if path.resolve() not in kept:
            loaded = load_path(path)
            holders.setdefault(flow_id_of(loaded), []).append(loaded)
    result = Needed(flows=list(first))
    seen = {flow_id_of(lf) for lf in first}
    todo = [*called, *(flow_id for lf in first for flow_id in _calls(lf))]
    while todo:
        flow_id = todo.pop(0)
        if flow_id in seen:
            continue
        seen.add(flow_id)
        if flow_id not in holders:
            result.missing.append(flow_id)
            continue
        for loaded in holders[flow_id]:
            result.flows.append(loaded)
            todo.extend(_calls(loaded))
    result.found = sorted({*holders, *seen} - set(result.missing))
    result.unreadable = [
        lf for fid, group in holders.items() if fid not in seen for lf in group if not lf.ok
    ]
    return result


def _calls(loaded: LoadedFlow) -> list[str]:
    """The flow ids a flow's subflow nodes call."""
    flow = loaded.flow
    if flow is None:
        return []
    return [node.flow for node in flow.nodes.values() if isinstance(node, Subflow)]
