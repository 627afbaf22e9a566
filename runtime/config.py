"""Runtime settings: `[tool.sce.runtime]` in pyproject.toml, then `SCE_*` environment variables,
then what the caller passes (flags). Every setting has an embedded default that runs a
single-process runtime on the in-memory store.

[tool.sce.runtime]
store = "redis://localhost:6379/0"       # default "memory://"
flows = "flows"                          # folder of flows to deploy and watch
http-allow = ["*.bank.example", "127.0.0.1:8080"]   # hosts (and host:port) HTTP nodes may call
http-max-timeout = 10                    # seconds; a node's timeout is capped to this
max-steps-per-event = 100                # internal states between two caller inputs
max-steps-per-call = 1000                # states in one call (like Studio's 1,000 per execution)
idle-ttl = 14400                         # seconds an unanswered call's session is kept
ended-ttl = 600                          # seconds an ended call's session is kept for retries
verify-signatures = true                 # refuse webhooks without a valid X-Twilio-Signature
trust-forwarded = false                  # behind a proxy: honour X-Forwarded-Proto and -Host
twilio-workflow-sid = "WW..."            # TaskRouter workflow: queue transfers become Tasks
voices = { "en-US" = "Polly.Joanna" }    # <Say> voice per language (Twilio's default otherwise)
prompts = "prompts"                      # the prompt catalog and audio, served at /prompts/
                                         # (default: `folder` of [tool.sce.prompts])
users = ".sce/users.json"                # people and API tokens (`sce users`); 0600
audit = ".sce/audit.jsonl"               # the audit log (in Redis when the store is there)
session-idle = 14400                     # seconds a browser session lasts unused
session-lifetime = 86400                 # seconds a browser session lasts at most

The API token (`SCE_API_TOKEN`) and Twilio's auth token come from the environment (or the file,
though a secret is better kept out of a committed pyproject.toml).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from runtime.store.base import DEFAULT_ENDED_TTL, DEFAULT_IDLE_TTL
from sce.errors import ConfigError
from sce.prompts.settings import load_prompt_settings
from sce.pyproject import find_pyproject, read_table

#: Seconds an http node without its own timeout may take (the client also caps it by
#: `http-max-timeout`).
DEFAULT_HTTP_TIMEOUT = 5.0


@dataclass(frozen=True)
class Limits:
    """Bounds on the work the engine does for one call."""

    max_steps_per_event: int = 100
    max_steps_per_call: int = 1000


#: Voices for <Say> where Twilio's default voice does not speak the language.
DEFAULT_VOICES = {"zh-CN": "Polly.Zhiyu"}


@dataclass(frozen=True)
class RuntimeConfig:
    """The runtime's settings (see the module's docstring for the file form)."""

    store: str = "memory://"
    flows: str = "flows"
    http_allow: tuple[str, ...] = ()
    http_max_timeout: float = 10.0
    max_steps_per_event: int = 100
    max_steps_per_call: int = 1000
    idle_ttl: float = float(DEFAULT_IDLE_TTL)
    ended_ttl: float = float(DEFAULT_ENDED_TTL)
    #: Twilio credentials for the SMS sender (else messages go to the log sender).
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    sms_from: str | None = None
    #: Webhooks must carry a valid X-Twilio-Signature (signed with `twilio_auth_token`).
    verify_signatures: bool = True
    #: Take the request's scheme and host from X-Forwarded-Proto/-Host (set behind a proxy only:
    #: anyone can send those headers to a server that faces callers directly).
    trust_forwarded: bool = False
    twilio_workflow_sid: str | None = None
    #: Bearer token the API's writes need; with none, the API is read-only.
    api_token: str | None = None
    voices: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VOICES))
    prompts: str = "prompts"
    #: The users file, and the audit log's file (with the in-memory store).
    users: str = ".sce/users.json"
    audit: str = ".sce/audit.jsonl"
    #: Where SIP calls answer (HOST:PORT, UDP); none: no SIP (`sce serve --sip` sets it).
    sip: str | None = None
    #: Where the messages callers leave on SIP calls are kept (voicemail), one folder per call.
    recordings: str = ".sce/recordings"
    session_idle: float = 4 * 3600.0
    session_lifetime: float = 24 * 3600.0
    origin: str | None = field(default=None, compare=False)

    @property
    def limits(self) -> Limits:
        return Limits(self.max_steps_per_event, self.max_steps_per_call)


_ENV = {
    "SCE_STORE": "store",
    "SCE_FLOWS": "flows",
    "SCE_HTTP_ALLOW": "http_allow",
    "TWILIO_ACCOUNT_SID": "twilio_account_sid",
    "TWILIO_AUTH_TOKEN": "twilio_auth_token",
    "SCE_SMS_FROM": "sms_from",
    "SCE_API_TOKEN": "api_token",
    "TWILIO_WORKFLOW_SID": "twilio_workflow_sid",
    "SCE_VERIFY_SIGNATURES": "verify_signatures",
    "SCE_TRUST_FORWARDED": "trust_forwarded",
    "SCE_USERS": "users",
    "SCE_AUDIT": "audit",
    "SCE_SIP": "sip",
    "SCE_RECORDINGS": "recordings",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def load_config(
    start: Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: object,
) -> RuntimeConfig:
    """Settings from the nearest pyproject.toml, the environment, then `overrides` (None values
    are ignored, so unset flags keep what the file or environment said)."""
    values: dict[str, object] = {}
    origin = None
    pyproject = find_pyproject(start or Path.cwd())
    if pyproject is not None:
        table = read_table(pyproject, "tool", "sce", "runtime")
        if table:
            origin = str(pyproject)
        values |= {key.replace("-", "_"): value for key, value in table.items()}
    env = os.environ if environ is None else environ
    for name, key in _ENV.items():
        if env.get(name):
            values[key] = env[name].split(",") if key == "http_allow" else env[name]
    values |= {k: v for k, v in overrides.items() if v is not None}
    if "prompts" not in values and pyproject is not None:
        # One folder for the catalog's tools and the server: `folder` of [tool.sce.prompts].
        values["prompts"] = str(load_prompt_settings(pyproject.parent).folder)
    return _checked(values, origin)


def _checked(values: dict[str, object], origin: str | None) -> RuntimeConfig:
    where = origin or "runtime settings"
    known = {f.name: f for f in fields(RuntimeConfig)}
    # Any: each value is checked against its field's default type below, which mypy cannot follow.
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known or key == "origin":
            raise ConfigError(f"{where}: unknown runtime setting '{key.replace('_', '-')}'")
        default = getattr(RuntimeConfig, key, None)
        name = key.replace("_", "-")
        if key == "http_allow":
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: '{name}' must be a list of host names")
            value = tuple(v.strip().lower() for v in value if v.strip())
        elif isinstance(default, bool):
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                value = value.strip().lower() in _TRUE
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: '{name}' must be true or false")
        elif key == "voices":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise ConfigError(f"{where}: 'voices' must map languages to voice names")
            value = {**DEFAULT_VOICES, **value}
        elif default is None or isinstance(default, str):
            if not isinstance(value, str):
                raise ConfigError(f"{where}: '{name}' must be a string")
        elif isinstance(default, int | float):
            if isinstance(value, str):
                try:
                    value = type(default)(value)
                except ValueError:
                    raise ConfigError(f"{where}: '{name}' must be a number") from None
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 < value < math.inf
            ):
                raise ConfigError(f"{where}: '{name}' must be a positive number")
            if isinstance(default, int) and value != int(value):
                raise ConfigError(f"{where}: '{name}' must be a whole number")
            value = type(default)(value)
        out[key] = value
    return replace(RuntimeConfig(origin=origin), **out)
