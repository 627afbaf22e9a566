"""One handler per node type: what entering a state does (`ENTER`) and what an event does to a
call waiting in it (`RESUME`). A handler returns the id of the state to enter next, or None when
the call now waits for the outside world (it has emitted the actions saying for what) or ended.
"""

from __future__ import annotations

from runtime import events as ev
from runtime.engine import Run
from runtime.handlers.common import Handler
from runtime.handlers.inputs import enter_input, resume_collect, resume_menu
from runtime.handlers.internal import (
    enter_branch,
    enter_hangup,
    enter_language,
    enter_play,
    enter_schedule,
    enter_set,
    enter_subflow,
)
from runtime.handlers.outside import (
    enter_http,
    enter_record,
    enter_sms,
    enter_transfer,
    resume_http,
    resume_record,
    resume_sms,
    resume_transfer,
)
from sce.compiler.ir import State

__all__ = ["ENTER", "RESUME", "Handler"]


def _ignore(run: Run, state: State, event: ev.Event | None) -> str | None:
    """Internal states never wait, so no event can reach a call in one."""
    return None


ENTER: dict[str, Handler] = {
    "play": enter_play,
    "menu": enter_input,
    "collect": enter_input,
    "branch": enter_branch,
    "set": enter_set,
    "http": enter_http,
    "schedule": enter_schedule,
    "language": enter_language,
    "transfer": enter_transfer,
    "record": enter_record,
    "sms": enter_sms,
    "subflow": enter_subflow,
    "hangup": enter_hangup,
}

RESUME: dict[str, Handler] = {
    "menu": resume_menu,
    "collect": resume_collect,
    "http": resume_http,
    "sms": resume_sms,
    "record": resume_record,
    "transfer": resume_transfer,
    **{t: _ignore for t in ("play", "branch", "set", "schedule", "language", "subflow", "hangup")},
}
