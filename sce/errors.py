"""The errors of the `sce` package. Each carries diagnostics a person can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sce.diagnostics import Diagnostic

if TYPE_CHECKING:
    from sce.history import StoredFlow


class SceError(Exception):
    """Root of the package's errors."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics or []


class LoadError(SceError):
    """A flow file could not be read, decoded, parsed or validated."""


class CompileError(SceError):
    """A flow has errors that stop it from compiling."""


class ConfigError(SceError):
    """The `[tool.sce]` settings are wrong."""


class PatternError(SceError):
    """A collect pattern that cannot run (see `sce.patterns`)."""


class FlowNotFound(SceError, LookupError):
    """No flow with this id in the repository (`sce.revisions`)."""


class FlowExists(SceError):
    """A flow with this id is already in the repository; save it instead of creating it."""


class StaleRevision(SceError):
    """A save or delete based on a version that is no longer the current one (HTTP 412).

    `current` is the flow as it is now (a `sce.history.StoredFlow`), so the editor can show
    what changed and let its user merge instead of overwriting someone else's work.
    """

    def __init__(
        self, message: str, current: StoredFlow, diagnostics: list[Diagnostic] | None = None
    ) -> None:
        super().__init__(message, diagnostics)
        self.current = current


class RevisionNotFound(SceError, LookupError):
    """The flow exists (or did), but not this revision of it."""


class BadFlowDocument(SceError):
    """A document that cannot be stored at all, not even as a draft (not an object, no valid id,
    text no UTF-8 file can hold). Its diagnostics point at the problem."""


class AccessError(SceError):
    """Base of the errors about users, tokens and logins (`sce.access`)."""


class UserNotFound(AccessError, LookupError):
    """No user (or no API token) by that name."""


class UserExists(AccessError):
    """A user by that name exists already."""


class UsersFileBroken(AccessError):
    """The users file cannot be read as one (hand-edited, cut short by a full disk)."""


class InvalidUser(AccessError, ValueError):
    """A user name, role, password or expiry that cannot be taken; the message says why."""


class PromptError(SceError):
    """Base of the errors about prompts, their catalog and their audio (`sce.prompts`)."""


class AudioRefused(PromptError, ValueError):
    """An upload that cannot become a prompt: not audio, empty, silent, clipped, too long, too
    large, or a name outside `prompts/`. The message says which, in words voice talent reads;
    nothing was written."""


class CatalogBroken(PromptError):
    """`prompts/catalog.json` cannot be read as a catalog (bad JSON, or not what its schema
    says). Its diagnostics point at the place."""


class PromptNotFound(PromptError, LookupError):
    """No prompt (or no language, or no take of it) by that id in the catalog."""


class SynthesisFailed(PromptError):
    """Text-to-speech gave no audio (no engine for the language, the network down, a timeout)."""


class StudioImportError(SceError):
    """A Twilio Studio export that cannot be imported: malformed (the message names the widget
    or the JSON pointer), or a flow with nothing a call does (messaging only)."""
