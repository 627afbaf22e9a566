"""A throwaway redis-server on a free port of 127.0.0.1, saving nothing: for trying scale-out
on a laptop (`make run-redis`), the tests and the benchmarks. The calls and deploys of a
try-out are not worth keeping (`--save '' --appendonly no`)."""

from __future__ import annotations

import socket
import subprocess
import time

#: Seconds a starting redis-server has to answer PING, and ports tried.
STARTUP = 10.0
TRIES = 5


def start_redis(
    binary: str,
    *,
    own_session: bool = False,
    port: int | None = None,
    keep_in: str | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """A redis-server answering PING, and its port (another port if one was taken meanwhile,
    unless `port` is given: a Redis started again where its clients look for it).
    `own_session` keeps a Ctrl-C meant for a server from stopping the Redis it still needs.
    `keep_in` (a folder) makes it keep its data there in an append-only file, synced at every
    write, as production Redis would: started again on that folder, it has its data back."""
    keep = ["--appendonly", "yes", "--appendfsync", "always", "--dir", keep_in] if keep_in else []
    wanted = port
    for _ in range(TRIES if wanted is None else 1):
        port = wanted or free_port()
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *(keep or ["--appendonly", "no"]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=own_session,
        )
        deadline = time.monotonic() + STARTUP
        while process.poll() is None and time.monotonic() < deadline:
            if pong(port):
                return process, port
            time.sleep(0.01)
        stop(process)
    if wanted is not None:
        raise RuntimeError(f"redis-server did not start on port {wanted}")
    raise RuntimeError(f"redis-server did not start on a free port (tried {TRIES})")


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


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
