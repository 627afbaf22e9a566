"""Every error the runtime raises on purpose, in one place."""

from __future__ import annotations

from sce.errors import SceError


class RuntimeFault(SceError):
    """Base of the runtime's own errors."""


class SessionConflict(RuntimeFault):
    """Another process advanced the call first (the sequence number moved on)."""


class SessionExists(RuntimeFault):
    """A call with this id is already in the store."""


class UnknownCall(RuntimeFault):
    """No session for this call id (never started, finished and expired, or abandoned)."""


class WrongFlow(RuntimeFault):
    """A webhook names a call that belongs to another flow than the one in its URL."""


class UnknownFlow(RuntimeFault, LookupError):
    """No deployed flow (or no such version) under this id. A LookupError too: the engine,
    asking for a subflow's pinned version, takes the error path on any failed lookup."""


class DeployRefused(RuntimeFault):
    """A deploy was refused; `diagnostics` say why. The live version stays."""


class EffectBlocked(RuntimeFault):
    """An effect was not run: its target is not allowed by the configuration."""


class StoreUnavailable(RuntimeFault):
    """The session store cannot be reached (Redis down, wrong URL)."""


class ScriptError(RuntimeFault):
    """A script (or stub file) that cannot be run as written; the message starts `file:line:`."""


class Mismatch(RuntimeFault):
    """A caller step that does not fit what the call waits for (keys during a recording...)."""


class SipError(RuntimeFault):
    """A SIP message or its SDP that cannot be taken: `status` is the answer it gets (400 for
    a malformed request, 488 for media we cannot speak), `reason` its phrase."""

    def __init__(self, message: str, status: int = 400, reason: str = "Bad Request") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        #: What was read of the message before it failed (its headers), when they were read.
        self.partial: object = None
