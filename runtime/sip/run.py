"""The SIP adapter beside a server process's webhooks: same registry, store and calls.

`sce serve --sip HOST:PORT` starts one `SipAdapter` per worker process, on an event loop of its
own thread (the audio's pace must not wait for an HTTP request, nor a webhook for a prompt).
Only one process can hold a UDP port: with several workers on Redis, each tries to take the
port, one gets it, and the others try again every `RETRY` seconds, so that when the holder
stops another one answers calls within seconds. A SIP call lives in the process that answered
it (its RTP socket is there); its session, like a webhook call's, is in the shared store.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from runtime.errors import RuntimeFault
from runtime.sip.audio import PromptAudio
from runtime.sip.server import SipServer

if TYPE_CHECKING:
    from runtime.server.service import Service

log = logging.getLogger("sce.sip")

#: Seconds between two tries at the port while another process holds it.
RETRY = 2.0


@dataclass(frozen=True)
class SipAddress:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_address(text: str) -> SipAddress:
    """`HOST:PORT` (`[::1]:5060` for IPv6); RuntimeFault saying what is wrong."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise RuntimeFault(f"--sip takes HOST:PORT (such as 127.0.0.1:5060), not {text!r}")
    return SipAddress(host, int(port))


class SipAdapter:
    """SIP calls for one process's `Service`, in a thread of their own."""

    def __init__(self, service: Service, address: SipAddress, *, threads: int = 16) -> None:
        from runtime.server.metrics import METRICS

        self.service = service
        self.wanted = address
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="sce-sip")
        registry = service.registry
        self.server = SipServer(
            service.calls,
            PromptAudio(service.recordings),
            self.executor,
            recordings=Path(service.config.recordings),
            is_flow=lambda flow: flow in registry.current_versions(),
            draining=lambda: service.draining,
        )
        self.server.on_started = METRICS.call_started
        self.server.on_finished = METRICS.call_finished
        self.server.on_response = METRICS.sip_answered
        self.server.on_call = lambda outcome, active: METRICS.sip_call(outcome)
        self.loop = asyncio.new_event_loop()
        self.listening: str | None = None
        self._thread = threading.Thread(target=self._run, name="sce-sip", daemon=True)
        self._bound = threading.Event()
        self._error: BaseException | None = None
        self._stop = asyncio.Event()

    def start(self, *, wait: float = 5.0) -> None:
        """Start; RuntimeFault when the port cannot be taken for a reason other than another
        process holding it (then this one waits its turn)."""
        self._thread.start()
        self._bound.wait(wait)
        if self._error is not None:
            raise RuntimeFault(f"SIP cannot listen on {self.wanted}: {self._error}")

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)
        self.executor.shutdown(wait=False, cancel_futures=True)

    def status(self) -> dict[str, object]:
        """For /healthz: where SIP listens (None while another process holds the port) and
        the calls this process holds."""
        return {"listening": self.listening, "calls": self.server.active, **self.server.counts}

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        while True:
            try:
                await self.server.start(self.wanted.host, self.wanted.port)
                break
            except OSError as e:
                if e.errno != errno.EADDRINUSE:
                    self._error = e
                    self._bound.set()
                    return
                self._bound.set()  # another worker holds it: ours is to wait
                try:
                    await asyncio.wait_for(self._stop.wait(), RETRY)
                    return
                except TimeoutError:
                    continue
        host, port = self.server.address
        self.listening = str(SipAddress(host, port))
        log.info("SIP: answering calls on udp:%s", self.listening)
        self._bound.set()
        await self._stop.wait()
        await self.server.close()
