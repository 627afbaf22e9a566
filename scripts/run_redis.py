"""`make run-redis`: the runtime server on the bundled flows, as `make run` starts it, but as two
workers sharing a throwaway Redis, which is how scale-out runs (any worker serves the next
webhook of any call; deploys reach every worker).

A redis-server (Debian's; scripts/setup.sh installs it) is started on a free port of 127.0.0.1,
saving nothing (`--save '' --appendonly no`: the calls and deploys of a try-out are not worth
keeping), then `sce serve --workers 2 --redis redis://127.0.0.1:PORT/0 ...` runs in the
foreground. When the server stops (Ctrl-C, a SIGTERM to this script, or on its own), the
Redis is stopped too: nothing is left running.

    .venv/bin/python scripts/run_redis.py [more sce serve options, e.g. --port 8001]
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
SERVE = ["--workers", "2", "--flows", "flows", "--http", "flows/systems.http.yaml"]
#: Seconds a starting redis-server has to answer PING.
STARTUP = 10


def main(argv: Sequence[str]) -> int:
    binary = shutil.which("redis-server")
    if binary is None:
        say("redis-server is missing: `bash scripts/setup.sh` installs it (Debian's redis-server)")
        return 1
    redis, port = start_redis(binary)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        say(f"a throwaway redis-server at {url} (pid {redis.pid}, saves nothing)")
        say("it stops when the server stops (Ctrl-C)")
        return serve([*SERVE, "--redis", url, *argv])
    finally:
        stop(redis)
        say("redis-server stopped")


def say(text: str) -> None:
    print(f"run-redis: {text}", file=sys.stderr, flush=True)


def start_redis(binary: str) -> tuple[subprocess.Popen[bytes], int]:
    """A redis-server answering PING on a free port (another one if the port was taken
    meanwhile). In a session of its own: Ctrl-C reaches the server, which still needs its Redis
    while it stops; this script stops the Redis after it."""
    for _ in range(5):
        port = free_port()
        redis = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP
        while redis.poll() is None and time.monotonic() < deadline:
            if pong(port):
                return redis, port
            time.sleep(0.05)
        stop(redis)
    raise SystemExit("run-redis: redis-server did not start on a free port (tried 5)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def serve(args: Sequence[str]) -> int:
    """`sce serve ARGS` in the foreground (Ctrl-C reaches it as it would `make run`'s); a
    SIGTERM or SIGHUP to this script is passed on to it. Its exit status."""
    server = subprocess.Popen([sys.executable, "-m", "sce.cli", "serve", *args], cwd=ROOT)

    def forward(signum: int, frame: FrameType | None) -> None:
        server.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    while True:
        try:
            code = server.wait()
            break
        except KeyboardInterrupt:
            continue  # the server got the Ctrl-C too: wait until it has stopped
    return code if code >= 0 else 128 - code


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
