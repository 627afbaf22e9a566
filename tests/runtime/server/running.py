"""A real `sce serve` (gunicorn) in a child process on a free port, for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Running:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


class DidNotStart(AssertionError):
    """The server exited, or did not answer /healthz within 30 s (the message has its log)."""


@contextmanager
def server(
    command: Sequence[str], port: int, env: dict[str, str] | None = None, *, cwd: Path | None = None
) -> Iterator[Running]:
    """Run `command` (a server on `port`, in a session of its own) until the block ends, from
    when it answers /healthz; DidNotStart if it does not within 30 s."""
    log = Path(tempfile.mkstemp(prefix="server-", suffix=".log")[1])
    # Its users and audit log apart from any other server's (and from the checkout's .sce/).
    own = Path(tempfile.mkdtemp(prefix="server-access-"))
    access = {"SCE_USERS": str(own / "users.json"), "SCE_AUDIT": str(own / "audit.jsonl")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **access, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
    running = Running(f"http://127.0.0.1:{port}/", process, log)
    try:
        _wait_healthy(running)
        yield running
    finally:
        stop(process)
        log.unlink(missing_ok=True)


@contextmanager
def sce_serve(
    args: Sequence[str], env: dict[str, str] | None = None, *, cwd: Path | None = None
) -> Iterator[Running]:
    """`sce serve ARGS --port FREE` until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "sce.cli", "serve", "--port", str(port), *args]
    with server(command, port, env, cwd=cwd) as running:
        yield running


def _wait_healthy(running: Running) -> None:
    command = " ".join(str(a) for a in running.process.args)  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise DidNotStart(f"{command} exited early:\n{running.output()[-3000:]}")
        try:
            if requests.get(running.url + "healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise DidNotStart(f"{command} did not answer within 30 s:\n{running.output()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started in its own session (gunicorn and its workers), by force if need be."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
