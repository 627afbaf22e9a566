"""`sce serve`: the runtime server (TwiML webhooks, the API, /healthz, /metrics) under gunicorn.

Settings come from `[tool.sce.runtime]`, then the environment (`SCE_*`, `TWILIO_AUTH_TOKEN`,
`SCE_API_TOKEN`), then these flags. The runtime is imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sce.cli.common import CliError, http_stubs_option
from sce.errors import SceError

if TYPE_CHECKING:
    from runtime.config import RuntimeConfig
    from runtime.server.gunicorn import Options


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--flows",
    "flows_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of flows to deploy at start and watch (default: the settings' `flows`).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes; more than one needs --redis (calls move between them).",
)
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="Share sessions and deploys through Redis (redis://HOST:PORT/DB) instead of memory.",
)
@http_stubs_option(
    "Answer the flows' HTTP fetches from this stub file instead of the live systems."
)
@click.option(
    "--sip",
    "sip",
    metavar="HOST:PORT",
    help="Also answer SIP calls (UDP) there: INVITE sip:FLOW@HOST:PORT runs FLOW.",
)
@click.option("--no-watch", is_flag=True, help="Deploy the flows folder at start only.")
@click.option(
    "--insecure-dev",
    is_flag=True,
    help="Allow signature checks off on an address beyond loopback (a test network only).",
)
def serve(
    host: str,
    port: int,
    flows_dir: Path | None,
    workers: int,
    threads: int,
    redis_url: str | None,
    http_file: Path | None,
    sip: str | None,
    no_watch: bool,
    insecure_dev: bool,
) -> None:
    """Run the runtime server: a phone number pointed at POST /voice/FLOW runs that flow."""
    from runtime.config import load_config
    from runtime.server.gunicorn import Options
    from runtime.server.gunicorn import serve as run

    try:
        config = load_config(flows=str(flows_dir) if flows_dir else None, store=redis_url, sip=sip)
        stubs = str(http_file) if http_file else None
        options = Options(
            host, port, workers, threads, stubs, watch=not no_watch, insecure_dev=insecure_dev
        )
        _announce(config, options)
        run(config, options)
    except SceError as e:
        raise CliError(e.message) from None


def _announce(config: RuntimeConfig, options: Options) -> None:
    from runtime.store import redacted

    host = f"[{options.host}]" if ":" in options.host else options.host
    where = f"http://{host}:{options.port}"
    lines = [
        f"sce serve: {where} (store {redacted(config.store)}, flows {config.flows})",
        f"  webhooks  POST {where}/voice/FLOW   status callback POST {where}/voice/FLOW/status",
        f"  API       {where}/api/openapi.json   health {where}/healthz   {where}/metrics",
    ]
    if config.sip:
        lines.append(f"  SIP       udp:{config.sip}   INVITE sip:FLOW@{config.sip} runs FLOW")
    if not config.verify_signatures:
        lines.append(
            "  WARNING: webhook signature checks are OFF (verify-signatures = false): anyone who"
            " reaches the port can drive calls; /healthz and /metrics say so too"
        )
    elif not config.twilio_auth_token:
        lines.append(
            "  warning: TWILIO_AUTH_TOKEN is not set: every webhook will be refused (403);"
            " export it (your Twilio auth token, or a made-up one to try `sce webhook FLOW`)"
        )
    lines.extend(_who_may_come_in(config))
    click.echo("\n".join(lines), err=True)


def _who_may_come_in(config: RuntimeConfig) -> list[str]:
    """What the users file says about logging in: on a first start, with nobody a user, that
    reads are open and how to make the first admin (no default password is ever made here:
    `make run` makes its development user itself)."""
    from sce.access.users import UserFile

    count = len(UserFile(config.users).users())
    if count == 0:
        lines = [
            "  note: no users yet: reads are open to anyone who can reach the port; create one"
            " with: sce users add NAME --role admin"
        ]
        if not config.api_token:
            lines.append(
                "  note: SCE_API_TOKEN is not set: the API is read-only; export it to save and"
                " deploy (clients send it as `Authorization: Bearer ...`)"
            )
        return lines
    return [
        f"  users     {count} in {config.users}: log in at POST /api/session, or send a user's"
        " API token (sce users token NAME) as `Authorization: Bearer ...`"
    ]
