"""Benchmark: the latency and throughput of a menu step through `sce serve`, against floors.

A menu step is what a caller's key costs the server: Twilio posts the key to the <Gather>'s
action URL, signed; the server checks the signature, reads the call from the store, runs the
engine (leave the menu, play a text, enter the menu again), saves the call, renders the TwiML
and remembers it for retries. The floor (the issue's reference) is a bare Flask app
(bench/floor.py) answering every post with one constant TwiML document of the same size, under
gunicorn with the same settings (read from the class `sce serve` runs gunicorn with): what a
Flask app under this gunicorn costs at least. `sce serve` answers its webhooks without Flask
(runtime/server/voice.py says why), so the bench also measures the lowest floor there is: a
bare WSGI function answering the same document under the same gunicorn (`wsgi`).

All run with 1 worker of 4 threads (behind runtime.server.front), the memory store for `sce serve`, signatures
verified with TWILIO_AUTH_TOKEN. A load generator in its own process drives each in turn over
127.0.0.1: 4 keep-alive connections (http.client, one per thread), closed loop, each thread
following its calls' <Gather> action URLs and pressing 1, signing every request the way Twilio
does (the floors' too, so that the client's work is the same), and starting a new call every
100 steps (a call may take 1,000 states). After a warm-up, each request's latency is recorded.
They take turns for a few rounds (floor, wsgi, sce, floor...) and each figure is the median of
its rounds, so that a slow spell of this shared machine hits all alike.

Targets (issue): `p50_ratio` (sce p50 / floor p50) at most 1.5, `p99_ratio` at most 2.
`rps_ratio` is floor requests/s / sce requests/s; `wsgi_p50_ratio` is sce p50 / wsgi p50 (no
target: what is left to win). With one worker process, each server keeps about one core busy
and the latencies are mostly queueing: `sce_cpu_us` and `floor_cpu_us`, the CPU time the
server's processes spent per request (Linux /proc), show the work itself, and `cpu_ratio`
compares them. `--quick` is one short round of each.
The run stops with an error if any answer is not a 200 with a <Gather> (for sce: the text
played and a new wait), or if sce serve takes an unsigned request. The last line is
{"bench": "webhook", "metrics": {...}}.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.floor import sce_settings  # noqa: E402
from tests.runtime.server.running import DidNotStart, free_port, server  # noqa: E402

FLOW = "loop"
TOKEN = "bench-auth-token-0123456789abcdef"
WORKERS, THREADS, CONNECTIONS = 1, 4, 4
#: Keys pressed in one call before the next call starts (each key is 2 of its 1,000 states).
STEPS_PER_CALL = 100
HOURS = "We are open from nine to five."
FORM = "application/x-www-form-urlencoded"
_ACTION = re.compile(r'<Gather action="([^"]+)"')


def loop_flow() -> dict[str, object]:
    """A menu whose key 1 plays a short text and comes back to the menu: a menu step that
    loops, so one call can press 1 a hundred times."""
    text = lambda en: {"text": {"en-US": en}}  # noqa: E731
    return {
        "flow": FLOW,
        "title": "A menu that loops",
        "languages": ["en-US"],
        "start": "main",
        "nodes": {
            "main": {
                "type": "menu",
                "prompt": text("For our opening hours press 1, to hang up press 0."),
                "choices": [{"key": "1", "next": "hours"}, {"key": "0", "next": "bye"}],
                "timeout": 5,
                "no_match": text("That key is not a choice."),
                "exhausted": "bye",
            },
            "hours": {"type": "play", "prompt": text(HOURS), "next": "main"},
            "bye": {"type": "hangup", "prompt": text("Goodbye.")},
        },
    }


# -- the servers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    root: str
    #: The server's process group: its main process and its workers.
    group: int

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes have used so far (Linux /proc)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue  # a process that ended meanwhile
            if int(fields[2]) == self.group:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def serving(command: Sequence[str], port: int, env: dict[str, str], cwd: Path) -> Iterator[Server]:
    """Run `command` (a server on `port`) until the block ends, from when /healthz answers.
    Exits with the server's log if it does not come up."""
    try:
        with server(command, port, env, cwd=cwd) as running:
            yield Server(running.url, running.process.pid)
    except DidNotStart as e:
        raise SystemExit(str(e)) from None


def form(sid: str, **more: str) -> dict[str, str]:
    """What Twilio posts for call `sid`."""
    return {
        "CallSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+14155550100",
        "To": "+18005550100",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        **more,
    }


def wrong(status: int, text: str, url: str, root: str, step: bool, moving: bool) -> str | None:
    """What is wrong with an answer to `url` (None when it is right): every answer is a 200
    with a <Gather> whose action is on `root`; with `moving` (sce), a key's answer plays the
    text and sets a new wait."""
    if status != 200:
        return f"{status} for {url}: {text[:200]}"
    found = _ACTION.search(text)
    if found is None or not found[1].startswith(root):
        return f"no <Gather> on {root} in the answer to {url}: {text[:300]}"
    if moving and step and (HOURS not in text or html.unescape(found[1]) == url):
        return f"the key did not move the call at {url}: {text[:300]}"
    return None


class Load(TypedDict):
    """What the callers saw (a plain dict: it comes back from the load generator's process)."""

    latencies: list[float]  # seconds, of each key pressed in the measured period
    requests: int  # requests answered in the measured period (call starts included)
    total: int  # requests answered, warm-up included
    errors: int
    problems: list[str]  # the first few wrong answers
    seconds: float  # the measured period


def caller(root: str, tag: str, moving: bool, warm: float, until: float) -> Load:
    """One connection, closed loop, until `until`: calls of `STEPS_PER_CALL` keys each."""
    from twilio.request_validator import RequestValidator

    sign = RequestValidator(TOKEN).compute_signature
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(root).port, timeout=30)
    load = Load(latencies=[], requests=0, total=0, errors=0, problems=[], seconds=0.0)
    action, sid, calls, steps = "", "", 0, 0
    while time.perf_counter() < until:
        step = bool(action) and steps < STEPS_PER_CALL
        if step:
            url, sent = action, form(sid, Digits="1")
        else:
            calls, steps = calls + 1, 0
            sid = f"CA{tag}{calls:026x}"
            url, sent = f"{root}voice/{FLOW}", form(sid, CallStatus="ringing")
        headers = {"Content-Type": FORM, "X-Twilio-Signature": sign(url, sent)}
        body = urlencode(sent)
        parts = urlsplit(url)
        t0 = time.perf_counter()
        try:
            connection.request("POST", f"{parts.path}?{parts.query}", body, headers)
            answer = connection.getresponse()
            text, status = answer.read().decode(), answer.status
        except (OSError, http.client.HTTPException) as e:
            text, status = str(e), 0
            connection.close()
        elapsed = time.perf_counter() - t0
        problem = wrong(status, text, url, root, step, moving)
        if problem is not None:
            load["errors"] += 1
            load["problems"] = [*load["problems"], problem][:3]
            action = ""
            continue
        load["total"] += 1
        if t0 >= warm:
            load["requests"] += 1
            if step:
                load["latencies"].append(elapsed)
        action, steps = html.unescape(_ACTION.search(text)[1]), steps + 1  # type: ignore[index]
    connection.close()
    return load


def drive(root: str, tag: str, moving: bool, warmup: float, seconds: float) -> Load:
    """`CONNECTIONS` callers on `root` for `warmup` then `seconds` (`moving`: the server is
    sce serve, whose answers move the call), all they saw put together."""
    start = time.perf_counter()
    warm, until = start + warmup, start + warmup + seconds
    loads: list[Load] = []

    def run(i: int) -> None:
        loads.append(caller(root, f"{tag}{i:x}", moving, warm, until))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(loads) < CONNECTIONS:
        raise RuntimeError("a caller thread failed (its traceback is above)")
    return Load(
        latencies=[t for load in loads for t in load["latencies"]],
        requests=sum(load["requests"] for load in loads),
        total=sum(load["total"] for load in loads),
        errors=sum(load["errors"] for load in loads),
        problems=[p for load in loads for p in load["problems"]],
        seconds=seconds,
    )


# -- figures ------------------------------------------------------------------------------------


def figures(load: Load, cpu: float) -> dict[str, float]:
    """p50, p99 and mean latency (ms) of the keys, requests/s (call starts included), and the
    server's CPU time per request (µs) from the `cpu` seconds it used in the whole run."""
    ms = [t * 1000 for t in load["latencies"]]
    return {
        "p50": statistics.median(ms),
        "p99": statistics.quantiles(ms, n=100, method="inclusive")[98],
        "mean": statistics.fmean(ms),
        "rps": load["requests"] / load["seconds"],
        "cpu": cpu / load["total"] * 1e6,
    }


def refuses_unsigned(root: str) -> bool:
    """Whether the server answers 403 to a webhook signed with another token."""
    from twilio.request_validator import RequestValidator

    url, sent = f"{root}voice/{FLOW}", form("CA" + "f" * 32, CallStatus="ringing")
    signature = RequestValidator("not-the-token").compute_signature(url, sent)
    request = urllib.request.Request(
        url, urlencode(sent).encode(), {"Content-Type": FORM, "X-Twilio-Signature": signature}
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except urllib.error.HTTPError as e:
        return e.code == 403
    return False


def measure(rounds: int, warmup: float, seconds: float) -> dict[str, list[dict[str, float]]]:
    """Start the three servers, then drive the floor, the WSGI floor and sce serve in turn,
    `rounds` times: the figures of each round, per contender."""
    size = ["--workers", str(WORKERS), "--threads", str(THREADS)]
    runs: dict[str, list[dict[str, float]]] = {"floor": [], "wsgi": [], "sce": []}
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        here = Path(tmp)  # the servers' working folder: no pyproject.toml settings apply
        (here / "flows").mkdir()
        (here / "flows" / f"{FLOW}.json").write_text(json.dumps(loop_flow()), encoding="utf-8")
        sce_port, floor_port, wsgi_port = free_port(), free_port(), free_port()
        sce_command = [sys.executable, "-m", "sce.cli", "serve", "--port", str(sce_port)]
        floor_command = [sys.executable, str(ROOT / "bench" / "floor.py")]
        env = {
            "TWILIO_AUTH_TOKEN": TOKEN,
            "SCE_STORE": "memory://",
            "SCE_VERIFY_SIGNATURES": "true",
            "SCE_TRUST_FORWARDED": "false",
        }
        with (
            serving([*sce_command, "--flows", "flows", *size], sce_port, env, here) as sce,
            serving(
                [*floor_command, "--port", str(floor_port), *size], floor_port, {}, here
            ) as floor,
            serving(
                [*floor_command, "--port", str(wsgi_port), "--wsgi", *size], wsgi_port, {}, here
            ) as wsgi,
            ProcessPoolExecutor(1, mp_context=get_context("spawn")) as generator,
        ):
            if not refuses_unsigned(sce.root):
                raise SystemExit("sce serve took a webhook with a wrong signature")
            for n in range(rounds):
                for name, server in (("floor", floor), ("wsgi", wsgi), ("sce", sce)):
                    cpu = server.cpu_seconds()
                    args = (server.root, f"{n:02x}", name == "sce", warmup, seconds)
                    load = generator.submit(drive, *args).result()
                    cpu = server.cpu_seconds() - cpu
                    if load["errors"] or not load["latencies"]:
                        raise SystemExit(
                            f"{name}: {load['errors']} wrong answers, e.g. {load['problems']}"
                        )
                    runs[name].append(figures(load, cpu))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the smoke test)")
    args = parser.parse_args()
    rounds, warmup, seconds = (1, 0.5, 2.0) if args.quick else (3, 1.0, 8.0)
    settings = sce_settings(WORKERS, THREADS)
    runs = measure(rounds, warmup, seconds)

    def median(name: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[name])

    metrics: dict[str, float] = {}
    for name in ("sce", "floor", "wsgi"):
        for key in ("p50", "p99", "mean"):
            metrics[f"{name}_{key}_ms"] = round(median(name, key), 3)
        metrics[f"{name}_rps"] = round(median(name, "rps"), 1)
        metrics[f"{name}_cpu_us"] = round(median(name, "cpu"))
    metrics["p50_ratio"] = round(median("sce", "p50") / median("floor", "p50"), 3)
    metrics["p99_ratio"] = round(median("sce", "p99") / median("floor", "p99"), 3)
    metrics["rps_ratio"] = round(median("floor", "rps") / median("sce", "rps"), 3)
    metrics["cpu_ratio"] = round(median("sce", "cpu") / median("floor", "cpu"), 3)
    metrics["wsgi_p50_ratio"] = round(median("sce", "p50") / median("wsgi", "p50"), 3)

    print(
        f"a menu step (key 1: a text, the menu again), {CONNECTIONS} keep-alive connections on "
        f"127.0.0.1, closed loop, signed; {rounds} round(s) of {warmup:g} s warm-up + "
        f"{seconds:g} s measured each, taking turns"
    )
    print(
        f"all under gunicorn {settings['worker_class']}, {settings['workers']} worker x "
        f"{settings['threads']} threads, keepalive {settings['keepalive']} s, timeout "
        f"{settings['timeout']} s, access log {settings['accesslog'] or 'off'}; sce serve on "
        "the memory store, signatures verified"
    )
    columns = (
        ("p50", "p50 ms", 8, ".2f"),
        ("p99", "p99 ms", 8, ".2f"),
        ("mean", "mean ms", 8, ".2f"),
    )
    columns += (("rps", "requests/s", 11, ",.0f"), ("cpu", "server CPU us/req", 18, ",.0f"))
    print(f"{'server':<28}" + "".join(f" {title:>{width}}" for _, title, width, _ in columns))
    contenders = (("sce", "sce serve"), ("floor", "floor (bare Flask)"), ("wsgi", "bare WSGI"))
    for name, label in contenders:
        rows = [(f"  round {n + 1}", run) for n, run in enumerate(runs[name])]
        rows.append((f"{label}, median", {key: median(name, key) for key, *_ in columns}))
        for title, row in rows:
            print(f"{title:<28}" + "".join(f" {row[k]:>{w}{f}}" for k, _, w, f in columns))
    print(
        f"p50_ratio {metrics['p50_ratio']} (target <= 1.5), p99_ratio {metrics['p99_ratio']} "
        f"(target <= 2), rps_ratio (floor / sce) {metrics['rps_ratio']}, "
        f"server CPU per request sce / floor {metrics['cpu_ratio']}; "
        f"p50 sce / bare WSGI {metrics['wsgi_p50_ratio']}"
    )
    print(json.dumps({"bench": "webhook", "metrics": metrics}))


if __name__ == "__main__":
    main()
