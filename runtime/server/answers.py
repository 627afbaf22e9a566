"""The TwiML of a turn, rendered once per shape and reused.

Most turns of most calls look the same: the menu again, the same prompts, a gather whose URLs
differ only in `asked`. Building TwiML with the `twilio` classes and serialising it is the
biggest part of a webhook's work, so a turn's document is kept for a few seconds under what the
caller hears and waits for (the actions themselves, with their texts), rendered with a mark where
`asked` goes, and the mark replaced per request. Kept under the catalog's generation too, so a
prompt recorded in the studio is heard by the next call; and for a few seconds only, because a
recording dropped into the folder by hand turns a <Say> into a <Play> without any change in the
actions or the catalog.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from runtime import actions as act
from runtime.server.twiml import Voice, render

#: What a turn shows the platform; traces and effects leave no trace in TwiML.
_SHOWN = (act.Play, act.Gather, act.Record, act.Transfer, act.Hangup)
#: `asked` as rendered in a URL when it is the mark ("\x00" percent-encoded).
_MARK = "asked=%00"


class Answers:
    """Rendered turns of one server, at most `size` of them, each for `ttl` seconds."""

    def __init__(
        self, size: int = 4096, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self._items: dict[object, tuple[float, str]] = {}

    def xml(self, actions: Sequence[act.Action], voice: Voice, *, asked: int, ended: bool) -> str:
        """The TwiML for one turn (`twiml.render`), as text."""
        shown = tuple(a for a in actions if isinstance(a, _SHOWN))
        key = (voice.webhooks, voice.prompts, voice.recordings(), ended, shown)
        try:
            entry = self._items.get(key)
        except TypeError:  # data attached to a transfer (a dict): rendered every time
            return render(shown, voice, asked=asked, ended=ended).to_xml()
        now = self.clock()
        if entry is None or entry[0] < now:
            text = render(shown, voice, asked="\x00", ended=ended).to_xml()
            if len(self._items) >= self.size:
                self._items.clear()
            entry = self._items[key] = (now + self.ttl, text)
        return entry[1].replace(_MARK, f"asked={asked}")
