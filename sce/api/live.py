"""What the flow list asks of whoever runs the flows: which version of each flow new calls get
now, and when, by whom and from which revision it went live.

The authoring API knows nothing of the runtime: the app that runs flows puts a `LiveVersions`
under `app.extensions[LIVE_KEY]` (the runtime server puts its registry's); without one,
nothing is live.

The revision live is the one the deploy log names (a deploy of a stored flow); for a deploy
from the flows folder it is the revision whose file had the text deployed: the current one
when the file is unchanged since, else the one the history has with that content (looked up
once per deployed text, as revisions never change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from flask import current_app

from sce.api.memo import Memo
from sce.history import FlowSummary
from sce.revisions import FlowRepository, etag_of_sha256

#: Where the app keeps its `LiveVersions`, and the revisions found for deployed texts.
LIVE_KEY = "sce.live"
REVISIONS_KEY = "sce.live.revisions"
#: Most deployed texts whose revision one app keeps.
MAX_KEPT = 4096


@dataclass(frozen=True)
class Live:
    """The version of a flow that new calls get, and the deploy that made it so (`when` and
    `who` None when the deploy log no longer holds it). `revision` is the revision of the flow
    repository deployed when the log says so; `digest`, the sha256 of the text deployed, tells
    whether it is the flow's working file as it is now."""

    version: str
    when: str | None = None
    who: str | None = None
    revision: int | None = None
    digest: str | None = None

    def to_data(self, revision: int | None = None) -> dict[str, object]:
        """As the flow list gives it, with the revision found for it (else the logged one)."""
        return {
            "version": self.version,
            "when": self.when,
            "who": self.who,
            "revision": self.revision if revision is None else revision,
        }


class LiveVersions(Protocol):
    def live(self) -> Mapping[str, Live]:
        """Flow id → what new calls of it get, for every flow that is deployed."""
        ...


def live_versions() -> Mapping[str, Live]:
    """What is live now, as the app's `LiveVersions` says (nothing, without one)."""
    provider: LiveVersions | None = current_app.extensions.get(LIVE_KEY)
    return provider.live() if provider is not None else {}


def live_revision(repository: FlowRepository, summary: FlowSummary, live: Live) -> int | None:
    """The revision of the flow `summary` lists that is live (see the module's docstring);
    None when no revision of its history is the text deployed."""
    if live.revision is not None:
        return live.revision
    if live.digest is None:
        return None
    etag = etag_of_sha256(live.digest)
    if etag == summary.etag:
        return summary.revision
    memo: Memo[tuple[str, str], int | None] | None = current_app.extensions.get(REVISIONS_KEY)
    if memo is None:
        memo = current_app.extensions.setdefault(REVISIONS_KEY, Memo(MAX_KEPT))

    def look_up() -> int | None:
        infos = repository.revisions(summary.id)  # newest first
        return next((i.revision for i in infos if i.etag == etag and not i.deleted), None)

    return memo.get((summary.id, etag), look_up)
