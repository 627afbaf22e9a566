"""`sce webhook FLOW`: one webhook of a phone call, sent by hand to a running `sce serve` the way
Twilio sends it, so that a server can be tried without a phone number or a tunnel.

The server refuses every webhook that is not signed with its Twilio auth token (403), so a plain
`curl` cannot try it. This command builds the form Twilio posts (CallSid, AccountSid, From, To,
CallStatus, and Digits, SpeechResult... for what the caller did), signs it as Twilio signs it
(the `twilio` library's `RequestValidator`, which the server checks it with) with the token the
server reads (`TWILIO_AUTH_TOKEN`, or `[tool.sce.runtime]`), posts it, and prints the answer as
what the caller hears and what the call waits for, then the commands that continue the call
(`sce.cli.answer`), each with the URL the answer named, as Twilio would follow it.

    sce webhook balance                      # a new call: POST /voice/balance
    sce webhook balance --call CA… --url 'http://127.0.0.1:8000/voice/balance/gather?asked=1' \\
        --digits 1                           # a key at the menu (printed by the one before)
    sce webhook balance --call CA… --hangup  # the status callback: the caller hung up

The runtime is imported only to read the settings, when the command runs.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urljoin

import click

from sce.cli.answer import NextCommand, describe, next_steps
from sce.cli.common import CliError, exchange

if TYPE_CHECKING:
    from runtime.config import RuntimeConfig

DEFAULT_SERVER = "http://127.0.0.1:8000"
#: Seconds to wait for an answer: the server answers within Twilio's 15 s.
TIMEOUT = 20
#: The caller's and the called number when none is given (as in `sce call`).
DEFAULT_CALLER = "+15550100100"
DEFAULT_CALLED = "+15550100000"
#: The AccountSid sent when no TWILIO_ACCOUNT_SID is configured (the server only keeps it).
PLACEHOLDER_ACCOUNT = "AC" + "0" * 32
#: How to set the token, for the messages that need it.
HOW_TO_SET = (
    "export TWILIO_AUTH_TOKEN=... (the same for `sce serve` and `sce webhook`), or give --token"
)
_UNREACHABLE = f" (is `sce serve` running there? `make run` starts one at {DEFAULT_SERVER})"


@click.command(short_help="Send a call's webhook to a running server, signed as Twilio signs.")
@click.argument("flow")
@click.option("--digits", metavar="KEYS", help="The caller pressed these keys (Digits).")
@click.option("--speech", metavar="TEXT", help="The caller said this (SpeechResult).")
@click.option("--silence", is_flag=True, help="The caller did nothing (the wait's redirect).")
@click.option("--hangup", is_flag=True, help="The caller hung up (the status callback).")
@click.option(
    "--call", "call_sid", metavar="CALLSID", help="The call to continue (default: a new call)."
)
@click.option(
    "--url",
    metavar="URL",
    help="Where to post, as the call's last answer named it (a Gather's action, a Redirect); "
    "relative URLs are taken under SERVER/voice/FLOW/. Printed by the previous answer.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="One more form field Twilio would send (QueueResult=bridged, RecordingUrl=...).",
)
@click.option(
    "--server",
    metavar="URL",
    default=DEFAULT_SERVER,
    show_default=True,
    help="The runtime server (`sce serve`).",
)
@click.option(
    "--token",
    metavar="TOKEN",
    help="Twilio auth token to sign with (default: TWILIO_AUTH_TOKEN, read as `sce serve` does).",
)
@click.option("--caller", help=f"The caller's number, From (default {DEFAULT_CALLER}).")
@click.option("--called", help=f"The number dialled, To (default {DEFAULT_CALLED}).")
@click.option("--xml", "show_xml", is_flag=True, help="Print the TwiML answered, as it came.")
def webhook(
    flow: str,
    digits: str | None,
    speech: str | None,
    silence: bool,
    hangup: bool,
    call_sid: str | None,
    url: str | None,
    params: tuple[str, ...],
    server: str,
    token: str | None,
    caller: str | None,
    called: str | None,
    show_xml: bool,
) -> None:
    """Send one webhook of a call to FLOW on a running `sce serve`, as Twilio sends it (signed
    with the Twilio auth token), and print the answer: what the caller hears, what the call
    waits for, and the commands that continue the call.

    Without --call, a new call comes in (POST SERVER/voice/FLOW). With --call, the call goes
    on: --digits, --speech or --silence (or --param fields) posted to the --url its last answer
    named, or --hangup (its status callback).

    Exit status: 0 the server answered, 2 a usage error, no token, or the server could not be
    reached or refused the webhook.
    """
    inputs = [
        name
        for name, given in (
            ("--digits", digits is not None),
            ("--speech", speech is not None),
            ("--silence", silence),
            ("--hangup", hangup),
        )
        if given
    ]
    extra = dict(_param(p) for p in params)
    if not server.startswith(("http://", "https://")):
        raise click.BadParameter(
            f"'{server}' is not an http:// or https:// URL", param_hint="'--server'"
        )
    server = server.rstrip("/")
    target = _target(server, flow, call_sid, url, inputs, bool(extra))
    sid = call_sid or f"CA{secrets.token_hex(16)}"

    config = _settings()
    secret = token or config.twilio_auth_token
    if not secret and config.verify_signatures:
        raise CliError(f"no Twilio auth token to sign the webhook with: {HOW_TO_SET}")
    if call_sid is None:
        _check_live(server, flow)
    form = {
        "CallSid": sid,
        "AccountSid": config.twilio_account_sid or PLACEHOLDER_ACCOUNT,
        "From": caller or DEFAULT_CALLER,
        "To": called or DEFAULT_CALLED,
        "Caller": caller or DEFAULT_CALLER,
        "Called": called or DEFAULT_CALLED,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "CallStatus": "completed" if hangup else "ringing" if call_sid is None else "in-progress",
    }
    if digits is not None:
        form["Digits"] = digits
    if speech is not None:
        form |= {"SpeechResult": speech, "Confidence": "0.9"}
    form |= extra

    # The server's root as the URL posted names it (the status callback is under it too).
    root = target.rpartition("/voice/")[0] if "/voice/" in target else server
    answer, xml = _answer(target, root, form, secret)
    what = "a new call" if call_sid is None else "the call"
    click.echo(f"POST {target} ({what} {sid}, from {form['From']} to {form['To']}): 200")
    if show_xml:
        click.echo(xml.strip())
    for line in describe(answer):
        click.echo(f"  {line}")
    numbers = [w for o, v in (("--caller", caller), ("--called", called)) if v for w in (o, v)]
    command = NextCommand(flow, sid, root if root != DEFAULT_SERVER else None, numbers)
    steps = [] if hangup else list(next_steps(answer, target, command))
    if not steps:
        click.echo("The call is over.")
        return
    click.echo(f"Next, for call {sid}:")
    width = max(len(label) for label, _ in steps)
    for label, line in steps:
        click.echo(f"  {label.ljust(width)}  {line}")
    if token is not None:
        click.echo("  (each with the same --token)")


def _param(text: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name:
        raise click.BadParameter(f"'{text}' is not NAME=VALUE", param_hint="'--param'")
    return name, value


def _target(
    server: str, flow: str, call_sid: str | None, url: str | None, inputs: list[str], extra: bool
) -> str:
    """The URL to post to: a new call's, the status callback (--hangup), or the --url the
    call's last answer named; a usage error when the options do not say which."""
    if len(inputs) > 1:
        raise click.UsageError(f"{' and '.join(inputs)} cannot be used together: choose one")
    hooks = f"{server}/voice/{quote(flow, safe='')}"
    if call_sid is None:
        if inputs or url:
            raise click.UsageError(
                f"{(inputs or ['--url'])[0]} needs --call CALLSID: a new call starts without "
                "input (its answer prints the commands that continue it)"
            )
        return hooks
    if not inputs and not extra:
        raise click.UsageError(
            "with --call, say what the caller does: --digits, --speech, --silence or --hangup "
            "(or what Twilio reports: --param NAME=VALUE)"
        )
    if url is None:
        if inputs == ["--hangup"]:
            return f"{hooks}/status"
        raise click.UsageError(
            f"{(inputs or ['--param'])[0]} needs --url: the Gather action (or Redirect) that "
            "the call's last answer named, as the previous `sce webhook` printed it"
        )
    target = urljoin(hooks + "/", url)
    if not target.startswith(("http://", "https://")):
        raise click.BadParameter(f"'{url}' is not an http:// or https:// URL", param_hint="'--url'")
    return target


def _settings() -> RuntimeConfig:
    """The runtime settings, read as `sce serve` reads them (pyproject.toml, then the
    environment): the token, the account, and whether signatures are checked at all."""
    from runtime.config import load_config

    return load_config(Path.cwd())


def _check_live(server: str, flow: str) -> None:
    """A new call to a flow the server has not deployed gets an apology and a hangup, and only
    the server's log says why: ask its /healthz which flows are live first, and say so here.
    A server whose /healthz does not answer with its flows is not questioned further."""
    status, text = _request(urllib.request.Request(f"{server}/healthz"), server)
    try:
        health = json.loads(text) if status == 200 else None
    except ValueError:
        return
    live = health.get("flows") if isinstance(health, dict) else None
    if not isinstance(live, dict) or flow in live:
        return
    if not live:
        raise CliError(f"no flow is live on {server}: its log says why its flows were refused")
    raise CliError(f"no flow '{flow}' is live on {server} (live: {', '.join(sorted(live))})")


def _answer(
    url: str, root: str, form: Mapping[str, str], token: str | None
) -> tuple[ET.Element, str]:
    """POST the form, signed with `token` (unsigned without one): the TwiML answered, parsed
    and as text. Any other answer is a CliError that says why."""
    from twilio.request_validator import RequestValidator

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, dict(form))
    data = urlencode(form).encode("ascii")
    status, text = _request(urllib.request.Request(url, data, headers, method="POST"), url)
    if status == 403:
        raise CliError(
            f"{root} refused the signature (403): the token used here is not the server's "
            f"TWILIO_AUTH_TOKEN, or the server has none: {HOW_TO_SET}"
        )
    if status != 200:
        reason = text.strip().splitlines()[0] if text.strip() else "no reason given"
        raise CliError(f"{url} answered {status}: {reason}")
    try:
        answer = ET.fromstring(text)
    except ET.ParseError:
        answer = None
    if answer is None or answer.tag != "Response":
        raise CliError(f"{url} answered without TwiML: is it an `sce serve`?")
    return answer, text


def _request(request: urllib.request.Request, where: str) -> tuple[int, str]:
    status, raw = exchange(request, where, TIMEOUT, _UNREACHABLE)
    return status, raw.decode("utf-8", "replace")
