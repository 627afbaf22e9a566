"""`sce deploy FLOW... --to DIR | --server URL`: check flows and hand the good ones to a running
runtime, through the folder it watches or through its HTTP API.

With `--to`, each flow is linted and compiled here first, like any deploy
(`runtime.watch.deploy_to_folder`); a flow with errors is refused with them printed like `sce lint`
prints them, and nothing of it is written, so the runtime never even sees it. A good flow is
written into DIR atomically, under its own file name; the runtime's folder watcher deploys it from
there, and calls in progress finish on the version they started on.

With `--server`, each file's text goes to `POST URL/api/deploys` with the API token; the server
checks it the same way (with its own lint settings) and answers with the version it made live, or
refuses it with every diagnostic, printed here like `sce lint` prints them.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

import click

from sce.cli.common import (
    CliError,
    NonEmptyPath,
    exchange,
    output_option,
    print_diagnostics,
    require_flow_file,
    to_json,
)
from sce.diagnostics import Diagnostic, Severity
from sce.files import write_atomic
from sce.lint import load_settings
from sce.loader import format_of, load_bytes
from sce.report import ExitCode, diagnostic_from_json, diagnostic_line

#: Seconds to wait for a server's answer to one deploy.
SERVER_TIMEOUT = 60


@click.command(short_help="Check flows and put the good ones where a runtime watches.")
@click.argument(
    "flows", nargs=-1, required=True, metavar="FLOW...", type=NonEmptyPath(path_type=Path)
)
@click.option(
    "--to",
    "folder",
    metavar="DIR",
    type=NonEmptyPath(path_type=Path),
    help="The folder a runtime watches for flows; it must exist.",
)
@click.option(
    "--server",
    metavar="URL",
    help="A runtime server to deploy to through its API (http://host:port).",
)
@click.option(
    "--token",
    envvar="SCE_API_TOKEN",
    metavar="TOKEN",
    help="The server's API token (default: $SCE_API_TOKEN).",
)
@click.option(
    "--who",
    metavar="NAME",
    help="Who deploys, as the results record it (default 'sce deploy'; with --server, the "
    "token's user, and only the shared SCE_API_TOKEN may name someone).",
)
@output_option("Write the results (flow, version, errors) as JSON to this file.")
def deploy(
    flows: tuple[Path, ...],
    folder: Path | None,
    server: str | None,
    token: str | None,
    who: str | None,
    output: Path | None,
) -> None:
    """Check flows and put the good ones into DIR, where a runtime watches for them, or deploy
    them to a runtime server's API (--server).

    Each FLOW is linted and compiled, like any deploy. With --to, a good one is written into DIR
    atomically, under its own file name, and the runtime's folder watcher deploys it. With
    --server, the server checks it and makes it live. A refused one prints its errors like
    `sce lint`, and the live version stays.

    Exit status: 0 every flow deployed, 1 a flow was refused, 2 a usage, file or connection
    error.
    """
    if folder is not None and server is not None:
        raise click.UsageError("--to and --server cannot be used together: choose one")
    if server is not None:
        for path in flows:
            require_flow_file(path)
        _finish(*_deploy_to_server(flows, server.rstrip("/"), token, who), output)
    if folder is None:
        raise click.MissingParameter(param_hint="'--to' or '--server'", param_type="option")
    _finish(*_deploy_to_folder(flows, folder, who or "sce deploy"), output)


def _finish(records: list[dict[str, object]], refused: int, output: Path | None) -> NoReturn:
    if output is not None:
        write_atomic(output, to_json(records))
    sys.exit(ExitCode.FINDINGS if refused else ExitCode.CLEAN)


def _deploy_to_folder(
    flows: tuple[Path, ...], folder: Path, who: str
) -> tuple[list[dict[str, object]], int]:
    from runtime.watch import deploy_to_folder

    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise CliError(f"{folder}: {what} (give the folder a runtime watches for flows)")
    targets: dict[str, Path] = {}
    for path in flows:
        require_flow_file(path)
        other = targets.setdefault(path.name, path)
        if other != path:
            raise CliError(f"{other} and {path} would both be written to {folder / path.name}")

    settings = load_settings(Path.cwd())
    records = []
    refused = 0
    for path in flows:
        result = deploy_to_folder(path, folder, settings=settings, who=who)
        records.append({"file": str(path), **result.to_data()})
        if result.ok:
            click.echo(f"deployed {result.flow} {str(result.version)[:12]} -> {result.source}")
            continue
        refused += 1
        print_diagnostics(result.diagnostics)
        errors = sum(d.severity is Severity.ERROR for d in result.diagnostics)
        click.echo(f"refused {path}: {errors} error{'s' * (errors != 1)}, nothing written")
    return records, refused


def _deploy_to_server(
    flows: tuple[Path, ...], url: str, token: str | None, who: str | None
) -> tuple[list[dict[str, object]], int]:
    """Post each file's text to the server; print what it did with each."""
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter(
            f"'{url}' is not an http:// or https:// URL", param_hint="'--server'"
        )
    records: list[dict[str, object]] = []
    refused = 0
    for path in flows:
        raw = path.read_bytes()
        fmt = format_of(path) or "json"
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Not sent: it could not go as JSON text. Shown as `sce lint` shows it.
            print_diagnostics(load_bytes(raw, str(path), fmt).diagnostics)
            click.echo(f"refused {path}: 1 error, not sent")
            records.append({"file": str(path), "result": "refused"})
            refused += 1
            continue
        body = {"text": text, "format": fmt, "path": str(path)}
        if who is not None:
            body["who"] = who
        status, answer = _post(f"{url}/api/deploys", body, token)
        refusal = answer.get("deploy")
        if status == 422 and isinstance(refusal, dict):
            refused += 1
            diagnostics = [
                diagnostic_from_json(e) for e in _entries(answer, "errors") if "code" in e
            ]
            print_diagnostics(diagnostics)
            errors = sum(d.severity is Severity.ERROR for d in diagnostics)
            click.echo(
                f"refused {path}: {errors} error{'s' * (errors != 1)}, the live version stays"
            )
            records.append(_record(path, refusal, diagnostics))
            continue
        if status != 200 or answer.get("ok") is not True:
            messages = "; ".join(str(e.get("message")) for e in _entries(answer, "errors"))
            raise CliError(f"{url} refused {path} ({status}): {messages or 'no reason given'}")
        version = str(answer.get("version"))[:12]
        click.echo(f"{answer.get('result')} {answer.get('flow')} {version} -> {url}")
        diagnostics = [diagnostic_from_json(e) for e in _entries(answer, "diagnostics")]
        deployed = {k: v for k, v in answer.items() if k not in ("ok", "diagnostics")}
        records.append(_record(path, deployed, diagnostics))
    return records, refused


def _record(
    path: Path, deploy: dict[str, object], diagnostics: list[Diagnostic]
) -> dict[str, object]:
    """A result as `-o` writes it, as with --to: the deploy's fields, and its errors as
    `sce lint` prints them."""
    errors = [diagnostic_line(d) for d in diagnostics if d.severity is Severity.ERROR]
    return {"file": str(path), **deploy, "errors": errors}


def _post(url: str, body: Mapping[str, object], token: str | None) -> tuple[int, dict[str, object]]:
    """POST JSON; the status and JSON object answered, or a CliError that says what failed."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    status, raw = exchange(request, url, SERVER_TIMEOUT)
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = None
    if not isinstance(answer, dict):
        raise CliError(f"{url} answered {status} without a JSON object: is it an sce server?")
    if status == 401:
        raise CliError(f"{url}: the API token is missing or wrong (set SCE_API_TOKEN or --token)")
    return status, answer


def _entries(answer: dict[str, object], key: str) -> list[dict[str, object]]:
    """The objects of the list `answer[key]` (`errors` of the API's error shape, or the
    `diagnostics` of a deploy), whatever else the list holds."""
    entries = answer.get(key)
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
