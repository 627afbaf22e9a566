"""A small harness for fault injection: real processes, broken at chosen moments.

    with Rig.start(tmp_path) as rig:            # redis-server, a business system, sce serve
        sid, menu = rig.phone.call("hotline")    #   with 2 gunicorn workers on that Redis
        rig.kill(rig.workers()[0])               # SIGKILL, between requests
        rig.redis.restart()                      # the same port, no data (unless keep())
        with rig.redis.paused(): ...             # SIGSTOP ... SIGCONT

`holder(port)` names the worker whose connection to the business system comes from `port`: the
one inside a request, for a kill mid-request. Linux only (it reads /proc), as the suite is.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from runtime.store.throwaway import start_redis, stop
from tests.redis_server import INSTALL
from tests.runtime.bank_server import Bank, start_bank, stop_bank
from tests.runtime.server.fixtures import FLOWS
from tests.runtime.server.phone import API_TOKEN, SERVED_BY, TWILIO_TOKEN, Phone
from tests.runtime.server.running import Running, sce_serve

#: A flow whose key 1 waits on the business system's /slow (held until the bank is released,
#: at most 5 s): a webhook that is inside a request for as long as a test needs.
SLOWLINE = """\
flow slowline {
  title = "Order line"
  languages = [en-US]
  start -> main
  on_error -> sorry
}

menu main {
  prompt { text { en-US = "For your order, press 1." } }
  choices = [{ key = "1"  next -> lookup  label = "Order" }]
  timeout = 5
}

http lookup {
  url = "http://127.0.0.1:PORT/slow"
  timeout = 8
  next -> shipped
  error -> sorry
}

play shipped {
  prompt { text { en-US = "Your order has shipped." } }
  next -> bye
}

play sorry {
  prompt { text { en-US = "Sorry, something went wrong on our side." } }
  next -> bye
}

hangup bye {
  prompt { text { en-US = "Goodbye." } }
  reason = "self-service"
}
"""

WORKERS = 2


@dataclass
class Tally:
    """What one fault cost: the calls in progress that went on, that ended with a spoken
    apology, that were lost (an error, silence, no answer); new calls served after it; deploy
    records and revisions missing after it."""

    fault: str
    went_on: int = 0
    apologised: int = 0
    lost: int = 0
    new: int = 0
    data_lost: int = 0
    note: str = ""


@dataclass
class Report:
    """The faults a test session tried, printed at its end (tests/faults/conftest.py)."""

    tallies: list[Tally] = field(default_factory=list)

    def fault(self, name: str) -> Tally:
        self.tallies.append(Tally(name))
        return self.tallies[-1]

    def lines(self) -> list[str]:
        head = f"{'fault':<66} {'went on':>7} {'apology':>7} {'lost':>4} {'new':>4} {'data':>4}"
        rows = [
            f"{t.fault:<66} {t.went_on:>7} {t.apologised:>7} {t.lost:>4} {t.new:>4} "
            f"{t.data_lost:>4}" + (f"\n    {t.note}" if t.note else "")
            for t in self.tallies
        ]
        return [head, *rows]


class Redis:
    """A redis-server that keeps its port across restarts, and its data in `folder`'s
    append-only file while it is given one (`keep`)."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(INSTALL)
        self.binary = binary
        self.folder = folder
        self.keeping = False
        self.process, self.port = start_redis(binary)

    def keep(self) -> None:
        """From now on, keep the data on disk (restarted once to start so)."""
        self.keeping = True
        self.restart()

    def restart(self) -> None:
        """Killed (a crash, an OOM kill) and started again: with its data if it keeps it."""
        self.process.kill()
        self.process.wait()
        keep_in = str(self.folder) if self.keeping else None
        self.process, _ = start_redis(self.binary, port=self.port, keep_in=keep_in)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stalled (SIGSTOP: connections open, nothing answered) until the block ends."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        stop(self.process)


@dataclass
class Rig:
    redis: Redis
    bank: Bank
    server: Running
    flows: Path

    @classmethod
    @contextmanager
    def start(cls, tmp_path: Path) -> Iterator[Rig]:
        (tmp_path / "redis").mkdir()
        redis = Redis(tmp_path / "redis")
        bank = start_bank()
        flows = tmp_path / "flows"
        flows.mkdir()
        shutil.copy(FLOWS / "hotline.flow", flows)
        (flows / "slowline.flow").write_text(SLOWLINE.replace("PORT", str(bank.port)))
        try:
            with serve(flows, redis.url, tmp_path) as server:
                yield cls(redis, bank, server, flows)
        finally:
            stop_bank(bank)
            redis.close()

    @property
    def phone(self) -> Phone:
        return Phone(base=self.server.url)

    def workers(self) -> list[int]:
        return children(self.server.process.pid)

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def wait_serving(self, exclude: set[int] = frozenset(), timeout: float = 30) -> set[int]:  # type: ignore[assignment]
        """Until WORKERS workers (none of `exclude`) answer /healthz with 200; their pids."""
        deadline = time.monotonic() + timeout
        seen: set[int] = set()
        while time.monotonic() < deadline:
            alive = set(self.workers()) - exclude
            try:
                answer = requests.get(self.server.url + "healthz", timeout=5)
            except requests.ConnectionError:
                answer = None
            if answer is not None and answer.status_code == 200:
                seen.add(served_by(answer.headers.get(SERVED_BY, "")))
            seen &= alive
            if len(seen) == WORKERS:
                return seen
            time.sleep(0.05)
        raise AssertionError(f"{WORKERS} healthy workers not seen in {timeout} s (saw {seen})")

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        return requests.request(
            method, self.server.url + path, headers=headers, timeout=30, **kwargs
        )  # type: ignore[arg-type]


@contextmanager
def serve(flows: Path, redis_url: str, cwd: Path) -> Iterator[Running]:
    env = {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "SCE_API_TOKEN": API_TOKEN}
    env["SCE_HTTP_ALLOW"] = "127.0.0.1"
    args = ["--flows", str(flows), "--workers", str(WORKERS), "--threads", "4"]
    with sce_serve([*args, "--redis", redis_url], env, cwd=cwd) as server:
        yield server


def served_by(header: str) -> int:
    """The worker's pid from X-Served-By (`host:pid`)."""
    return int(header.rsplit(":", 1)[1]) if ":" in header else 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except FileNotFoundError:
        return []


def holder(pids: list[int], local_port: int) -> int | None:
    """Which of `pids` holds the TCP connection whose local end is `local_port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == local_port:
                inodes.add(fields[9])
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        for fd in fds.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return pid
    return None
