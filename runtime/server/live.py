"""The registry's answer to the flow list's question (`sce.api.live`): the version of each flow
that new calls get, with the deploy log's record of it going live.

The record is the newest deploy or rollback to the current version (a later "unchanged"
redeploy did not make it live). The log is read newest first in growing slices, so a list of
flows deployed recently reads few records, and one deployed long ago at most the whole log.
"""

from __future__ import annotations

from runtime.registry import DEPLOYED, ROLLED_BACK, Registry
from sce.api.live import Live

#: How many records of the deploy log each look reads, newest first, until every live flow's
#: record is found (the backends keep the last 10,000).
SLICES = (100, 1_000, 10_000)


class RegistryLive:
    """`sce.api.live.LiveVersions` over a registry and its deploy log."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def live(self) -> dict[str, Live]:
        current = self.registry.current_versions()
        found: dict[str, Live] = {}
        for limit in SLICES:
            records = self.registry.log(None, limit)
            for record in records:
                flow = record.get("flow")
                if not isinstance(flow, str) or flow in found or flow not in current:
                    continue
                went_live = record.get("result") in (DEPLOYED, ROLLED_BACK)
                if went_live and record.get("version") == current[flow]:
                    found[flow] = _live(current[flow], record)
            if len(found) == len(current) or len(records) < limit:
                break
        return {flow: found.get(flow) or Live(version) for flow, version in current.items()}


def _live(version: str, record: dict[str, object]) -> Live:
    when, who = record.get("when"), record.get("who")
    revision, digest = record.get("revision"), record.get("digest")
    return Live(
        version,
        when=when if isinstance(when, str) else None,
        who=who if isinstance(who, str) else None,
        revision=revision if isinstance(revision, int) else None,
        digest=digest if isinstance(digest, str) else None,
    )
