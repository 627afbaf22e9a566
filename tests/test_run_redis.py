"""`make run-redis` (scripts/run_redis.py) for real: two workers on a throwaway Redis answer a
signed call, and a Ctrl-C (SIGINT to the terminal's process group) stops the server and then
the Redis, leaving nothing running."""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
from pathlib import Path

from tests.runtime.server.phone import TWILIO_TOKEN, Phone
from tests.runtime.server.running import free_port, server

ROOT = Path(__file__).resolve().parents[1]


def test_two_workers_on_a_throwaway_redis_and_ctrl_c_leaves_nothing_running() -> None:
    port = free_port()
    command = [sys.executable, "scripts/run_redis.py", "--port", str(port), "--no-watch"]
    with server(command, port, {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN}, cwd=ROOT) as running:
        found = re.search(
            r"redis-server at redis://127\.0\.0\.1:(\d+)/0 \(pid (\d+)", running.output()
        )
        assert found, running.output()
        redis_port, redis_pid = int(found[1]), int(found[2])

        phone = Phone(base=running.url)
        sid, answer = phone.call("hotline")
        assert phone.press(sid, answer, "1").said[0].startswith("We are open")

        os.killpg(running.process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        assert running.process.wait(timeout=30) == 0, running.output()
        assert "run-redis: redis-server stopped" in running.output()

    try:
        os.kill(redis_pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError(f"redis-server {redis_pid} is still running")
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", redis_port)) != 0, "the Redis port still answers"
