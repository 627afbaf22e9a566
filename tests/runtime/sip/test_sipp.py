"""Debian's sipp against a real `sce serve --sip`: keys, a hangup mid-prompt, CANCEL before
the answer, and a burst of 50 concurrent calls with a deploy in the middle of it."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.runtime.bank_server import Bank
from tests.runtime.server.running import Running, sce_serve
from tests.runtime.sip.conftest import DESK, SLOW
from tests.runtime.sip.pcap import key_presses, write_pcap

SCENARIOS = Path(__file__).parent / "scenarios"
INSTALL = "apt-get install sipp (or run scripts/setup.sh as root)"
_ENDED = re.compile(r"SIP call (\S+) on (\S+) (\w+): ([^(]+) \((.*)\)")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Ended:
    call_id: str
    flow: str
    version: str
    outcome: str
    path: list[str]


@dataclass
class SippWorld:
    running: Running
    sip: str
    flows: Path
    tmp: Path

    def health(self) -> dict[str, object]:
        return requests.get(self.running.url + "healthz", timeout=5).json()

    def ended(self) -> list[Ended]:
        """Every SIP call the server's log says ended, with its version and path."""
        return [
            Ended(m[1], m[2], m[3], m[4].strip(), m[5].split(" > "))
            for m in _ENDED.finditer(self.running.output())
        ]

    def sipp(self, scenario: str, flow: str, *, keys: str = "", calls: int = 1,
             rate: int = 10, pause_ms: int = 3000, timeout: int = 60) -> subprocess.CompletedProcess[str]:  # fmt: skip
        text = (SCENARIOS / scenario).read_text(encoding="utf-8")
        if keys:
            pcap = write_pcap(self.tmp / f"keys-{keys}.pcap", key_presses(keys))
            text = text.replace("KEYS_PCAP", str(pcap))
        script = self.tmp / scenario
        script.write_text(text, encoding="utf-8")
        command = [
            "sipp", self.sip, "-sf", str(script), "-s", flow, "-m", str(calls), "-l", str(calls),
            "-r", str(rate), "-p", str(free_udp_port()), "-mp", str(free_udp_port()),
            "-d", str(pause_ms), "-nostdin", "-timeout", f"{timeout}s", "-timeout_error",
            "-trace_err", "-error_file", str(self.tmp / "sipp-errors.log"),
        ]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout + 30,
                              cwd=self.tmp)  # fmt: skip

    def errors(self) -> str:
        path = self.tmp / "sipp-errors.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@pytest.fixture
def sipp_world(tmp_path: Path, bank: Bank) -> Iterator[SippWorld]:
    if shutil.which("sipp") is None:
        pytest.fail(f"sipp is not installed: {INSTALL}")
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "desk.flow").write_text(DESK, encoding="utf-8")
    (flows / "slow.flow").write_text(SLOW.replace("BANK", bank.url("")), encoding="utf-8")
    sip = f"127.0.0.1:{free_udp_port()}"
    env = {
        "SCE_VERIFY_SIGNATURES": "false",
        "SCE_HTTP_ALLOW": "127.0.0.1",
        "SCE_RECORDINGS": str(tmp_path / "recordings"),
        "SCE_STORE": "memory://",
    }
    with sce_serve(["--flows", str(flows), "--sip", sip], env, cwd=tmp_path) as running:
        world = SippWorld(running, sip, flows, tmp_path)
        deadline = time.monotonic() + 10
        while world.health().get("sip", {}).get("listening") != sip:  # type: ignore[union-attr]
            assert time.monotonic() < deadline, running.output()[-2000:]
            time.sleep(0.1)
        yield world


def wait_for(what: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not what():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_keys_sent_as_rfc_4733_take_their_path(sipp_world: SippWorld) -> None:
    done = sipp_world.sipp("keys.xml", "desk", keys="1")
    assert done.returncode == 0, sipp_world.errors()
    wait_for(lambda: sipp_world.ended())
    (ended,) = sipp_world.ended()
    assert ended.path == ["welcome", "main", "hours", "goodbye"]
    assert ended.outcome == "flow ended"


def test_a_caller_hanging_up_mid_prompt(sipp_world: SippWorld) -> None:
    done = sipp_world.sipp("hangup.xml", "desk", pause_ms=800)
    assert done.returncode == 0, sipp_world.errors()
    wait_for(lambda: sipp_world.ended())
    (ended,) = sipp_world.ended()
    assert ended.outcome == "caller hung up"
    assert ended.path == ["welcome", "main"]  # the menu was next: its prompt never played
    assert sipp_world.health()["active_calls"] == 0


def test_cancel_before_the_answer(sipp_world: SippWorld, bank: Bank) -> None:
    bank.release.clear()
    try:
        done = sipp_world.sipp("cancel.xml", "slow")
    finally:
        bank.release.set()
    assert done.returncode == 0, sipp_world.errors()
    wait_for(lambda: sipp_world.health()["active_calls"] == 0)


def test_a_burst_of_50_calls_with_a_deploy_in_the_middle(sipp_world: SippWorld) -> None:
    """50 concurrent callers press 1; while they listen, the flow is changed and deployed:
    every one of them finishes on the version it started on, the next caller gets the new one."""
    old = sipp_world.health()["flows"]["desk"]  # type: ignore[index]
    import threading

    result: list[subprocess.CompletedProcess[str]] = []
    burst = threading.Thread(
        target=lambda: result.append(
            sipp_world.sipp("keys.xml", "desk", keys="1", calls=50, rate=100, pause_ms=4000)
        )
    )
    burst.start()
    wait_for(lambda: sipp_world.health()["sip"]["answered"] >= 50, 20)  # type: ignore[index]
    desk = sipp_world.flows / "desk.flow"
    desk.write_text(desk.read_text().replace("nine to five", "eight to six"), encoding="utf-8")
    wait_for(lambda: sipp_world.health()["flows"]["desk"] != old, 20)  # type: ignore[index]
    new = sipp_world.health()["flows"]["desk"]  # type: ignore[index]
    burst.join(120)
    assert result and result[0].returncode == 0, sipp_world.errors()
    ended = sipp_world.ended()
    assert len(ended) == 50
    assert {e.version for e in ended} == {str(old)[:12]}
    assert all(e.path == ["welcome", "main", "hours", "goodbye"] for e in ended)
    after = sipp_world.sipp("hangup.xml", "desk", pause_ms=300)
    assert after.returncode == 0, sipp_world.errors()
    wait_for(lambda: len(sipp_world.ended()) == 51)
    assert sipp_world.ended()[-1].version == str(new)[:12]
