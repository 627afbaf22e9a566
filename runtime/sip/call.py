"""One SIP call, driven through the engine: what a phone platform does between webhooks.

On Twilio, TwiML says what to play and gather and Twilio does it; on SIP the runtime does it
itself, with the same `Calls` as the webhooks: `start` when the INVITE comes, and for every wait
the engine asks for (`Gather`, `Record`, `Transfer`) the caller's answer is collected here from
RTP and sent back as the event the webhooks would send (`Digits`, `Timeout`, `RecordingResult`,
`TransferResult`, `CallerHangup`). The engine's turns block (a turn may fetch from a business
system), so they run in the adapter's threads, never on the loop that paces the audio.

Keys: a key pressed during a prompt that allows barge-in stops it at once and counts toward the
gather; during a prompt that does not, it is not heard (as on Twilio, where <Say> outside
<Gather> ignores keys). After the prompts the gather waits `timeout` for a first key, then
`inter_digit_timeout` between keys; `finish_on_key` ends it (sent with the digits, as the engine
expects) and so does `max_digits`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from runtime import actions as act
from runtime import events as ev
from runtime.calls import Calls, Turn
from runtime.errors import RuntimeFault
from runtime.sip.audio import PromptAudio
from runtime.sip.media import RtpStream, tone
from sce.errors import AudioRefused
from sce.prompts.audio import convert, pcm_wav

if TYPE_CHECKING:
    from runtime.sip.server import Dialog

log = logging.getLogger("sce.sip")
T = TypeVar("T")

#: A transfer nobody answers (the REFER's NOTIFYs stop coming) fails after this many seconds.
TRANSFER_WAIT = 60.0


class CallGone(Exception):
    """The caller hung up (or the call was ended) while the call waited for something."""


@dataclass
class Transferring:
    """A REFER in progress: its NOTIFYs' status lines go to `progress`."""

    progress: asyncio.Queue[int] = field(default_factory=asyncio.Queue)


class SipCall:
    """The engine's side of one answered (or being answered) SIP call."""

    def __init__(
        self,
        dialog: Dialog,
        calls: Calls,
        audio: PromptAudio,
        executor: Executor,
        recordings: Path,
    ) -> None:
        self.dialog = dialog
        self.calls = calls
        self.audio = audio
        self.executor = executor
        self.recordings = recordings
        self.loop = asyncio.get_running_loop()
        self.media: RtpStream | None = None
        self.turn: Turn | None = None
        self.keys: asyncio.Queue[str] = asyncio.Queue()
        self.gone: asyncio.Future[str] = self.loop.create_future()
        self.transferring: Transferring | None = None
        self.heard: list[str] = []  # the keys taken, in order
        self.path: list[str] = []  # the states entered, in order
        self.outcome = "error"

    # -- from the signalling ------------------------------------------------------------------

    def key(self, key: str) -> None:
        """A key from RTP (RFC 4733) or SIP INFO."""
        self.keys.put_nowait(key)

    def hang_up(self, why: str) -> None:
        """The caller hung up (BYE, CANCEL) or the call must end (a dead media path)."""
        if not self.gone.done():
            self.gone.set_result(why)
        if self.media is not None:
            self.media.stop_playing()

    # -- the engine ---------------------------------------------------------------------------

    async def engine(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """An engine call in a thread: never cancelled halfway (its save must land)."""
        work = self.loop.run_in_executor(self.executor, lambda: fn(*args, **kwargs))
        return await asyncio.shield(work)

    async def start(self, flow: str, *, caller: str, called: str, params: dict[str, str]) -> Turn:
        self.turn = await self.engine(
            self.calls.start, flow, self.dialog.call_id, caller=caller, called=called,
            params=params,
        )  # fmt: skip
        return self.turn

    async def run(self) -> None:
        """Carry out the turns until the call ends; the caller's hangup ends it anywhere."""
        assert self.turn is not None
        turn = self.turn
        try:
            while True:
                event = await self._carry_out(turn)
                if event is None:
                    break
                turn = self.turn = await self.engine(
                    self.calls.send, self.dialog.call_id, event, session=turn.session
                )
        except CallGone:
            self.outcome = "caller hung up"
            if self.turn is not None and self.turn.session.active:
                self.turn = await self.engine(self._caller_gone) or self.turn
                self._trace(self.turn)
        except RuntimeFault as e:
            log.error("SIP call %s ended on an error: %s", self.dialog.call_id, e)
            self.outcome = "error"

    def _trace(self, turn: Turn) -> None:
        for node in act.path(turn.actions):
            if not self.path or self.path[-1] != node:
                self.path.append(node)

    def _caller_gone(self) -> Turn | None:
        try:
            return self.calls.send(self.dialog.call_id, ev.CallerHangup(time.time()))
        except RuntimeFault as e:
            log.warning("SIP call %s: the hangup was not recorded: %s", self.dialog.call_id, e)
            return None

    async def _carry_out(self, turn: Turn) -> ev.Event | None:
        """Play what the turn says and collect the answer to its wait; None when it ends."""
        plays: list[act.Play] = []
        asked = turn.session.asked
        self._trace(turn)
        for action in turn.actions:
            kind = type(action)
            if kind is act.Play:
                plays.append(action)  # type: ignore[arg-type]
            elif kind is act.Gather:
                return await self._gather(plays, action, asked)  # type: ignore[arg-type]
            elif kind is act.Record:
                return await self._record(plays, action, asked)  # type: ignore[arg-type]
            elif kind is act.Transfer:
                return await self._transfer(plays, action, asked)  # type: ignore[arg-type]
            elif kind is act.Hangup:
                break
        await self._play_all(plays)
        if turn.session.active:
            # A wait the SIP side has no way to answer (cannot happen with the actions above).
            log.error(
                "SIP call %s: the flow waits for nothing a caller can do", self.dialog.call_id
            )
        self.outcome = self.outcome if self.outcome != "error" else "flow ended"
        await self.dialog.bye()
        return None

    # -- what the caller hears --------------------------------------------------------------

    async def _until(self, waited: Awaitable[T]) -> T:
        """`waited`, unless the caller hangs up first (CallGone)."""
        task = asyncio.ensure_future(waited)
        waits: set[asyncio.Future[object]] = {task, self.gone}  # type: ignore[arg-type]
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if task not in done:
            task.cancel()
            raise CallGone
        return task.result()

    async def _samples(self, play: act.Play) -> bytes:
        return await self._until(self.loop.run_in_executor(self.executor, self.audio.samples, play))

    async def _play(self, samples: bytes) -> bool:
        """Play `samples` to their end (True) or until stopped (False)."""
        assert self.media is not None
        return await self._until(self.media.play(samples))

    async def _play_all(self, plays: list[act.Play]) -> None:
        for play in plays:
            await self._play(await self._samples(play))

    async def _gather(self, plays: list[act.Play], gather: act.Gather, asked: int) -> ev.Event:
        assert self.media is not None
        digits = ""
        self._drain_keys()
        for play in plays:
            samples = await self._samples(play)
            if not (play.barge_in and gather.barge_in):
                await self._play(samples)
                self._drain_keys()  # keys during a prompt that cannot be interrupted
                continue
            if not self.keys.empty():
                break
            finished = self.media.play(samples)
            first = asyncio.ensure_future(self.keys.get())
            waits: set[asyncio.Future[object]] = {finished, first, self.gone}  # type: ignore[arg-type]
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            if first in done:
                self.media.stop_playing()
                self.keys.put_nowait(first.result())  # it is the gather's first key
                break
            first.cancel()
            if self.gone in done:
                raise CallGone
        wait = gather.timeout
        while True:
            try:
                key = await self._until(asyncio.wait_for(self.keys.get(), wait))
            except TimeoutError:
                break
            self.heard.append(key)
            if gather.finish_on_key and key == gather.finish_on_key:
                digits += key
                break
            digits += key
            if len(digits) >= gather.max_digits:
                break
            wait = gather.inter_digit_timeout or gather.timeout
        now = time.time()
        if not digits:
            return ev.Timeout(now, asked=asked)
        return ev.Digits(digits, now, asked=asked)

    def _drain_keys(self) -> None:
        while not self.keys.empty():
            self.keys.get_nowait()

    async def _record(self, plays: list[act.Play], record: act.Record, asked: int) -> ev.Event:
        """The caller's message, from after the beep until the finish key, `silence_timeout`
        seconds without speech, or `max_length`; kept as telephone audio like any prompt."""
        assert self.media is not None
        await self._play_all(plays)
        if record.beep:
            await self._play(tone())
        self._drain_keys()
        self.media.start_recording()
        began = self.loop.time()
        deadline = began + record.max_length
        while True:
            now = self.loop.time()
            last = max(self.media.last_voice, began)
            until = min(deadline, last + record.silence_timeout)
            if now >= until:
                break
            try:
                key = await self._until(asyncio.wait_for(self.keys.get(), until - now))
            except TimeoutError:
                continue
            if record.finish_key and key == record.finish_key:
                break
        samples = self.media.stop_recording()
        url, duration = await self.loop.run_in_executor(
            self.executor, self._keep_recording, record.node, samples
        )
        return ev.RecordingResult(time.time(), url=url, duration=duration, asked=asked)

    def _keep_recording(self, node: str, samples: bytes) -> tuple[str | None, float]:
        """The recording as the prompt pipeline's telephone audio (trimmed, normalised), in
        the recordings folder; no file when the caller said nothing."""
        if not samples:
            return None, 0.0
        try:
            converted = convert(pcm_wav(samples, 8000), f"{node}.wav")
        except AudioRefused as e:
            log.info("SIP call %s: the recording at %s is empty: %s", self.dialog.call_id, node, e)
            return None, 0.0
        folder = self.recordings / _safe(self.dialog.call_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{_safe(node)}.wav"
        part = path.with_suffix(".wav.part")
        part.write_bytes(converted.pcm)
        part.replace(path)
        return str(path), converted.duration_ms / 1000

    async def _transfer(
        self, plays: list[act.Play], transfer: act.Transfer, asked: int
    ) -> ev.Event:
        """A blind transfer (REFER, RFC 3515) to the transfer's number or queue at the PBX the
        call came from; the outcome is what the REFER's NOTIFYs say of the new call."""
        await self._play_all(plays)
        target = self.dialog.target_of(transfer.number or transfer.queue or "support")
        self.transferring = Transferring()
        try:
            status = await self._until(self.dialog.refer(target))
            if status >= 300:
                return ev.TransferResult("failed", time.time(), f"REFER refused: {status}", asked)
            wait = transfer.max_wait or TRANSFER_WAIT
            while True:
                try:
                    status = await self._until(
                        asyncio.wait_for(self.transferring.progress.get(), wait)
                    )
                except TimeoutError:
                    return ev.TransferResult("failed", time.time(), "no answer", asked)
                if status >= 300:
                    return ev.TransferResult("failed", time.time(), f"{target}: {status}", asked)
                if 200 <= status < 300:
                    self.outcome = "transferred"
                    await self.dialog.bye()
                    return ev.TransferResult("completed", time.time(), target, asked)
        finally:
            self.transferring = None


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:120] or "_"
