"""Any common upload -> telephone audio: 8 kHz mono, trimmed, loudness-normalised, two WAVs.

Voice talent upload whatever their tools make: WAV from a studio (44.1/48 kHz, stereo, 24-bit),
MP3, Ogg (Vorbis or Opus), WebM/Opus from a browser's MediaRecorder, M4A/AAC from a phone,
FLAC. `convert` makes every one of them into what a telephone plays, so that the catalog only
ever holds telephone audio and every prompt sounds equally loud:

1. The real format is read from the content's first bytes (an upload's name is often wrong:
   a `.mp3` that is really WAV is common), and anything that is not audio is refused before any
   decoding.
2. One ffmpeg run decodes it straight to 8 kHz mono 16-bit samples (ffmpeg's resampler filters
   better than `audioop.ratecv`), at most `max_seconds + 1` of them, so an hour-long upload
   costs two minutes of decoding, not an hour.
3. The rest is Python on those samples (audioop, in C): refuse silence and clipping, trim the
   silence at both ends, normalise the RMS loudness (never letting peaks above -1 dBFS), and
   write a 16-bit PCM WAV and a G.711 mu-law WAV (what Twilio and carriers play without
   converting). No second ffmpeg run: writing WAV is a header and the samples.

Every refusal is an `AudioRefused` whose message names the file and says what is wrong in words
voice talent understand; nothing is written anywhere.

ffmpeg comes from the `imageio-ffmpeg` wheel (no system package needed); there is no ffprobe
beside it, so the input format is always given to ffmpeg (and to pydub) explicitly.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import struct
import subprocess
import tempfile
import warnings
import wave
from dataclasses import dataclass

from sce.errors import AudioRefused, PromptError
from sce.prompts.settings import AudioSettings

with warnings.catch_warnings():
    # audioop is deprecated in 3.11/3.12 and gone in 3.13, where `audioop-lts` provides it.
    warnings.filterwarnings(
        "ignore", message="'audioop' is deprecated", category=DeprecationWarning
    )
    import audioop

    # pydub looks for ffmpeg on PATH when imported and warns when it is not there; ours is
    # imageio-ffmpeg's, set as its converter in `ffmpeg_exe`.
    warnings.filterwarnings(
        "ignore", message="Couldn't find ffmpeg or avconv", category=RuntimeWarning
    )
    from pydub import AudioSegment

#: Seconds one ffmpeg decode may take (two minutes of audio decode in well under a second).
DECODE_TIMEOUT = 60.0
#: Silence padding kept before the first and after the last sound.
PADDING_MS = 120
#: Peaks are never raised above this (dBFS): room for the codec and the carrier's gain.
PEAK_CEILING = -1.0
#: Quieter than this (the loudest 10 ms, dBFS RMS) is silence, not a recording.
SILENT_BELOW = -50.0
#: Trimming: sound is what is at most this far below the loudest 10 ms...
TRIM_RELATIVE = 35.0
#: ...and above this absolute floor (dBFS RMS), so hiss and dither are always trimmed.
TRIM_FLOOR = -60.0
#: Clipped: more than this fraction of the sound's samples within 0.8% of full scale.
CLIPPED_FRACTION = 0.01
_WINDOW_MS = 10
_FULL_SCALE = 32768.0

#: ffmpeg's demuxer for each format `detect` names.
DEMUXERS = {
    "wav": "wav",
    "mp3": "mp3",
    "ogg-vorbis": "ogg",
    "ogg-opus": "ogg",
    "ogg-flac": "ogg",
    "webm": "matroska",
    "matroska": "matroska",
    "m4a": "mp4",
    "mp4": "mp4",
    "flac": "flac",
}
#: How messages name them.
NAMES = {
    "wav": "WAV",
    "mp3": "MP3",
    "ogg-vorbis": "Ogg Vorbis",
    "ogg-opus": "Ogg Opus",
    "ogg-flac": "Ogg FLAC",
    "webm": "WebM",
    "matroska": "Matroska",
    "m4a": "M4A",
    "mp4": "MP4",
    "flac": "FLAC",
}
_NEEDS_SEEKING = {"m4a", "mp4"}  # the index (moov) may come after the audio: a file, not a pipe
KNOWN = "WAV, MP3, Ogg (Vorbis or Opus), WebM, M4A/MP4 or FLAC"


@dataclass(frozen=True)
class Converted:
    """Telephone audio, ready for the catalog."""

    #: A complete WAV file: 16-bit PCM, mono, at `AudioSettings.sample_rate` (8 kHz).
    pcm: bytes
    #: A complete WAV file: G.711 mu-law (WAVE_FORMAT 7), mono, same rate.
    mulaw: bytes
    duration_ms: int
    #: dBFS RMS after normalising (the target, or less when the peaks would not allow it).
    loudness: float
    #: dBFS of the loudest sample after normalising.
    peak: float
    #: Silence cut from the beginning and the end.
    trimmed_ms: int
    #: What the upload really was (`detect`), whatever its name said.
    source_format: str


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary of imageio-ffmpeg, also made pydub's converter (once)."""
    try:
        import imageio_ffmpeg

        exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as e:
        raise PromptError(
            f"ffmpeg is missing ({e}); install it with `pip install imageio-ffmpeg`"
        ) from None
    AudioSegment.converter = exe
    return exe


# -- what is it? --------------------------------------------------------------------------------

_MPEG_BITRATE_BAD = {0x0, 0xF}


def _mpeg_frame(head: bytes, at: int = 0) -> bool:
    """An MPEG audio frame header (MP3, or MP2) starts at `at`."""
    if len(head) < at + 4 or head[at] != 0xFF or head[at + 1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[at + 1] >> 3) & 3, (head[at + 1] >> 1) & 3
    bitrate, rate = head[at + 2] >> 4, (head[at + 2] >> 2) & 3
    # Version 1 and layer 0 are reserved; layer 0 with the same sync is AAC's ADTS.
    return version != 1 and layer != 0 and bitrate not in _MPEG_BITRATE_BAD and rate != 3


def _ogg_codec(data: bytes) -> str | None:
    """The codec of an Ogg stream's first packet (its page header is 27 bytes + segments)."""
    if len(data) < 28:
        return None
    packet = data[27 + data[26] : 27 + data[26] + 8]
    if packet.startswith(b"\x01vorbis"):
        return "ogg-vorbis"
    if packet.startswith(b"OpusHead"):
        return "ogg-opus"
    if packet.startswith(b"\x7fFLAC"):
        return "ogg-flac"
    return None


def detect(data: bytes, name: str = "") -> str | None:
    """The format `data` holds (a `DEMUXERS` key), from its first bytes; None: not audio we
    take. `name` only helps where the content cannot say alone (an MP3 with junk before its
    first frame)."""
    if data[:4] in (b"RIFF", b"RF64", b"BW64") and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3":
        if len(data) >= 10:
            size = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
            size += 10 if data[5] & 0x10 else 0  # a footer
            inner = detect(data[size:]) if size < len(data) else None
            if inner == "flac":
                return inner
        return "mp3"
    if data[:4] == b"OggS":
        return _ogg_codec(data)
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in data[:64] else "matroska"
    if data[4:8] == b"ftyp":
        return "m4a" if data[8:11] in (b"M4A", b"M4B") else "mp4"
    if data[:4] == b"fLaC":
        return "flac"
    if _mpeg_frame(data):
        return "mp3"
    if os.path.splitext(name)[1].lower() in (".mp3", ".mpga") and any(
        _mpeg_frame(data, at) for at in range(min(len(data), 4096))
    ):
        return "mp3"
    return None


def _what_it_is(data: bytes) -> str:
    """What a refused upload seems to hold instead of audio, for the message."""
    head = data[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:  # not text, or a character cut at 4,096 bytes
        text = head[: e.start].decode("utf-8") if e.start >= len(head) - 3 else ""
    if text.strip() and all(c.isprintable() or c in "\r\n\t" for c in text):
        return "it holds text, not sound"
    for magic, kind in (
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (a Word or Pages document?)"),
        (b"\x89PNG", "a PNG picture"),
        (b"\xff\xd8\xff", "a JPEG picture"),
        (b"FORM", "an AIFF file; export it as WAV"),
        (b"#!AMR", "an AMR voice memo; export it as WAV or M4A"),
    ):
        if head.startswith(magic):
            return f"it is {kind}"
    if head.startswith(b"OggS"):
        return "it is an Ogg file, but with neither Vorbis nor Opus audio in it"
    return f"its content is none of {KNOWN}"


def _wav_cut_short(data: bytes) -> bool:
    """A WAV file whose data chunk is shorter than its header says (an upload cut off).
    Streamed WAVs (from a pipe) leave the size 0 or the largest possible: those pass."""
    at = 12
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if chunk == b"data":
            streamed = size == 0 or size >= 0x7FFF0000
            return not streamed and at + 8 + size > len(data) + 1  # +1: a missing pad byte
        at += 8 + size + size % 2
    return False


# -- decoding -----------------------------------------------------------------------------------

_LOG = re.compile(r"\[(error|fatal)\]\s*(.*)")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
#: ffmpeg's own summaries of an error it has already described.
_GENERIC = re.compile(
    r"^(Error opening input files?|Error opening output|Conversion failed|Nothing was written"
    r"|Task finished with error|Terminating thread|Error while|Exiting|Could not open encoder"
    r"|Error initializing|Error submitting packet)",
)
_CUT_SHORT = re.compile(r"ended prematurely|truncated|unexpected end", re.IGNORECASE)
#: ...and when nothing at all could be decoded.
_NOTHING_LEFT = re.compile(_CUT_SHORT.pattern + r"|End of file", re.IGNORECASE)


@dataclass(frozen=True)
class _Decoded:
    samples: bytes
    errors: list[str]
    #: What the input's header says its length is (seconds), when it says.
    header_seconds: float | None


@functools.cache
def _decoders() -> frozenset[str]:
    """The decoders this ffmpeg has (asked once)."""
    try:
        done = subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-decoders"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    return frozenset(line.split()[1] for line in lines if len(line.split()) > 1)


def input_options(data: bytes, fmt: str) -> list[str]:
    """ffmpeg's options for reading `data` (of format `fmt`), before its `-f` and `-i`.

    Opus is decoded by libopus, the reference decoder: ffmpeg's own overshoots on some
    streams (a -6 dBFS sweep through libopus at 48 kb/s came back above 0 dBFS, clipped)."""
    opus = fmt == "ogg-opus" or (fmt in ("webm", "matroska") and b"A_OPUS" in data[:65536])
    chosen = ["-c:a", "libopus"] if opus and "libopus" in _decoders() else []
    if fmt == "wav":
        # A WAV header says all there is to know; without this ffmpeg reads seconds of samples
        # to "find the stream info" first, which took longer than the rest of a conversion.
        chosen += ["-probesize", "32768"]
    return chosen


def _decode(data: bytes, fmt: str, settings: AudioSettings) -> _Decoded:
    """One ffmpeg run: the first audio stream of `data` as mono s16le at the target rate, at
    most `max_seconds + 1` seconds of it. Raises AudioRefused only for a timeout; what ffmpeg
    says is for the caller to judge."""
    limit = settings.max_seconds + 1
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "level+info", "-nostats"]
    tail = ["-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(settings.sample_rate)]
    tail += ["-t", f"{limit:g}", "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1"]
    temporary = None
    try:
        if fmt in _NEEDS_SEEKING:
            with tempfile.NamedTemporaryFile(prefix="sce-upload-", delete=False) as f:
                f.write(data)
                temporary = f.name
            command += ["-nostdin", *input_options(data, fmt), "-f", DEMUXERS[fmt]]
            command += ["-i", temporary, *tail]
            done = subprocess.run(
                command, stdin=subprocess.DEVNULL, capture_output=True, timeout=DECODE_TIMEOUT
            )
        else:
            command += [*input_options(data, fmt), "-f", DEMUXERS[fmt], "-i", "pipe:0", *tail]
            done = subprocess.run(command, input=data, capture_output=True, timeout=DECODE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AudioRefused(
            f"could not be decoded within {DECODE_TIMEOUT:g} s; it may be damaged"
        ) from None
    finally:
        if temporary is not None:
            os.unlink(temporary)
    log = done.stderr.decode("utf-8", errors="replace")
    errors = [m[2].strip() for m in _LOG.finditer(log)]
    if done.returncode != 0 and not errors:
        errors = [line.strip() for line in log.splitlines()[-1:]] or [
            f"ffmpeg stopped with code {done.returncode}"
        ]
    duration = _DURATION.search(log)
    seconds = None
    if duration:
        seconds = int(duration[1]) * 3600 + int(duration[2]) * 60 + float(duration[3])
    samples = done.stdout if done.returncode == 0 else b""
    return _Decoded(samples[: len(samples) // 2 * 2], errors, seconds)


def _meaningful(errors: list[str]) -> str:
    """The first line of ffmpeg's errors that says something (not a summary of another)."""
    for line in errors:
        line = re.sub(r"^Error opening input: ", "", line).rstrip(".")
        if line and not _GENERIC.match(line):
            return line
    return errors[0].rstrip(".") if errors else "no audio in it"


# -- measuring ----------------------------------------------------------------------------------


def dbfs(value: float) -> float:
    """A sample magnitude (or RMS) as dBFS, 16-bit full scale being 0; silence is -inf."""
    return 20 * math.log10(value / _FULL_SCALE) if value > 0 else -math.inf


def _windows(samples: bytes, width: int) -> list[float]:
    """The RMS of each `width`-byte window (the last may be shorter)."""
    view = memoryview(samples)
    return [audioop.rms(view[i : i + width], 2) for i in range(0, len(samples), width)]


def _clipped_fraction(samples: bytes) -> float:
    """The fraction of samples within 0.8% of full scale (>= 32512 or <= -32513): exactly the
    samples whose high byte is 0x7F or 0x80, counted by bytes.count in C."""
    high = samples[1::2]
    return (high.count(b"\x7f") + high.count(b"\x80")) / max(1, len(high))


def mulaw_wav(samples: bytes, rate: int) -> bytes:
    """A complete WAV file (WAVE_FORMAT_MULAW = 7, mono, 8 bits) of 16-bit `samples`.

    The stdlib `wave` module writes PCM only, so the header is written here: `fmt ` with
    cbSize 0 (18 bytes, as non-PCM formats have) and the `fact` chunk they need."""
    encoded = audioop.lin2ulaw(samples, 2)
    frames = len(encoded)
    fmt = struct.pack("<HHIIHHH", 7, 1, rate, rate, 1, 8, 0)
    fact = struct.pack("<I", frames)
    pad = b"\x00" * (frames % 2)
    chunks = (
        b"fmt " + struct.pack("<I", len(fmt)) + fmt,
        b"fact" + struct.pack("<I", len(fact)) + fact,
        b"data" + struct.pack("<I", frames) + encoded + pad,
    )
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pcm_wav(samples: bytes, rate: int) -> bytes:
    """A complete WAV file (16-bit PCM, mono) of `samples`."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples)
    return out.getvalue()


def _size(count: float) -> str:
    """A byte count as people say it: 80 MB, 1.5 MB, 900 KB."""
    megabytes = count / 1024 / 1024
    if megabytes >= 10:
        return f"{megabytes:,.0f} MB"
    if megabytes >= 1:
        return f"{megabytes:,.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(count / 1024)):,} KB"


# -- converting ---------------------------------------------------------------------------------


def convert(data: bytes, name: str, settings: AudioSettings = AudioSettings()) -> Converted:  # noqa: B008
    """`data` (an upload named `name`) as telephone audio, or AudioRefused saying why not.

    The name serves the messages and, as a hint only, the detection; the content decides."""
    shown = os.path.basename(name) or "the upload"
    if not data:
        raise AudioRefused(f"{shown} is empty (0 bytes); upload the recording again")
    if len(data) > settings.max_bytes:
        size, most = _size(len(data)), _size(settings.max_bytes)
        # A server that stops reading at the limit (plus a byte) only knows it is more.
        size = f"more than {most}" if size == most else size
        raise AudioRefused(f"{shown} is {size}; uploads may be at most {most}")
    fmt = detect(data, name)
    if fmt is None:
        raise AudioRefused(f"{shown} is not audio: {_what_it_is(data)}")
    if fmt == "wav" and _wav_cut_short(data):
        raise AudioRefused(
            f"{shown} is damaged or cut short (its header promises more sound than it holds); "
            "upload the whole recording again"
        )
    try:
        decoded = _decode(data, fmt, settings)
    except AudioRefused as e:
        raise AudioRefused(f"{shown} {e}") from None
    return _finish(decoded, fmt, shown, settings)


def _finish(decoded: _Decoded, fmt: str, shown: str, settings: AudioSettings) -> Converted:
    rate = settings.sample_rate
    samples = decoded.samples
    kind = NAMES[fmt]
    cut = _CUT_SHORT if samples else _NOTHING_LEFT
    if any(cut.search(e) for e in decoded.errors):
        raise AudioRefused(
            f"{shown} is damaged or cut short ({_meaningful(decoded.errors)}); "
            "upload the whole recording again"
        )
    if not samples:
        if any("matches no streams" in e for e in decoded.errors):
            raise AudioRefused(f"{shown} has no sound in it (a {kind} file without audio)")
        raise AudioRefused(f"{shown} cannot be read as {kind} audio: {_meaningful(decoded.errors)}")
    seconds = len(samples) / 2 / rate
    if seconds > settings.max_seconds:
        # Only the first max_seconds + 1 were decoded: the header tells the rest, if it can.
        told = decoded.header_seconds
        most = f"{settings.max_seconds:,g} s"
        length = f"{told:,.0f} s" if told and told > seconds else f"more than {most}"
        raise AudioRefused(f"{shown} is {length} long; prompts may be at most {most}")
    width = rate * _WINDOW_MS // 1000 * 2
    levels = _windows(samples, width)
    loudest = dbfs(max(levels))
    if loudest == -math.inf:
        raise AudioRefused(f"{shown} is silent (every sample is zero)")
    if loudest < SILENT_BELOW:
        raise AudioRefused(
            f"{shown} is silent (loudest {loudest:.0f} dBFS); check that the microphone is on "
            "and record again"
        )
    threshold = max(loudest - TRIM_RELATIVE, TRIM_FLOOR)
    sound = [i for i, level in enumerate(levels) if dbfs(level) >= threshold]
    pad = rate * PADDING_MS // 1000 * 2
    start = max(0, sound[0] * width - pad)
    end = min(len(samples), (sound[-1] + 1) * width + pad)
    kept = samples[start:end]
    clipped = _clipped_fraction(samples[sound[0] * width : (sound[-1] + 1) * width])
    if clipped > CLIPPED_FRACTION:
        raise AudioRefused(
            f"{shown} is clipped: {clipped:.1%} of samples at full scale; record again further "
            "from the microphone or lower the input level"
        )
    rms, peak = dbfs(audioop.rms(kept, 2)), dbfs(audioop.max(kept, 2))
    gain = min(settings.loudness - rms, PEAK_CEILING - peak)
    factor = 10 ** (gain / 20)
    if abs(gain) > 0.01:
        kept = audioop.mul(kept, 2, factor)
    return Converted(
        pcm=pcm_wav(kept, rate),
        mulaw=mulaw_wav(kept, rate),
        duration_ms=round(len(kept) / 2 / rate * 1000),
        loudness=round(dbfs(audioop.rms(kept, 2)), 2),
        peak=round(dbfs(audioop.max(kept, 2)), 2),
        trimmed_ms=round((len(samples) - len(kept)) / 2 / rate * 1000),
        source_format=fmt,
    )
