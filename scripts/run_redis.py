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
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from runtime.store.throwaway import start_redis, stop

ROOT = Path(__file__).resolve().parents[1]
SERVE = ["--workers", "2", "--flows", "flows", "--http", "flows/systems.http.yaml"]


def main(argv: Sequence[str]) -> int:
    binary = shutil.which("redis-server")
    if binary is None:
        say("redis-server is missing: `bash scripts/setup.sh` installs it (Debian's redis-server)")
        return 1
    try:
        redis, port = start_redis(binary, own_session=True)
    except RuntimeError as e:
        say(str(e))
        return 1
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
