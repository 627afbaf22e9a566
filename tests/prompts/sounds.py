"""Test audio, generated rather than stored: tones and sweeps (pydub segments), speech
(espeak-ng), and every upload format voice talent send (imageio-ffmpeg's ffmpeg).

Real audio, made in milliseconds, so the tests of `sce.prompts` (and the studio's browser tests)
convert what users upload without a binary file in the repository. Everything here is general:
a segment at any rate and width, encoded in any of `FORMATS`; a test picks what it needs.
"""

from __future__ import annotations

import array
import io
import math
import os
import shutil
import struct
import subprocess
import tempfile
import wave
from dataclasses import dataclass

from sce.prompts.audio import AudioSegment, ffmpeg_exe

INSTALL_ESPEAK = "apt-get install espeak-ng"

#: fmt -> (ffmpeg encoder options, muxer). `webm-opus` goes through a pipe, as a browser's
#: MediaRecorder streams it: no duration and no index in the file, like Chromium's.
FORMATS: dict[str, tuple[tuple[str, ...], str]] = {
    "wav": (("-c:a", "pcm_s16le"), "wav"),
    "wav-24": (("-c:a", "pcm_s24le"), "wav"),
    "wav-mulaw": (("-c:a", "pcm_mulaw"), "wav"),
    "mp3": (("-c:a", "libmp3lame", "-b:a", "96k"), "mp3"),
    "ogg-vorbis": (("-c:a", "libvorbis", "-q:a", "4"), "ogg"),
    "ogg-opus": (("-c:a", "libopus", "-b:a", "48k"), "ogg"),
    "webm-opus": (("-c:a", "libopus", "-b:a", "48k"), "webm"),
    "m4a-aac": (("-c:a", "aac", "-b:a", "96k"), "ipod"),
    "flac": (("-c:a", "flac"), "flac"),
}
#: What `sce.prompts.audio.detect` says each is.
DETECTED = {
    "wav": "wav",
    "wav-24": "wav",
    "wav-mulaw": "wav",
    "mp3": "mp3",
    "ogg-vorbis": "ogg-vorbis",
    "ogg-opus": "ogg-opus",
    "webm-opus": "webm",
    "m4a-aac": "m4a",
    "flac": "flac",
}
_RAW = {1: "u8", 2: "s16le", 3: "s24le", 4: "s32le"}


def espeak_ng() -> str:
    """The espeak-ng binary; fails loudly, with the command that installs it, when missing."""
    found = shutil.which("espeak-ng")
    if found is None:
        raise AssertionError(
            f"espeak-ng is not installed: install it with `{INSTALL_ESPEAK}` "
            "(scripts/setup.sh does); the prompt tests need real speech"
        )
    return found


def _segment(samples: list[float], rate: int, channels: int, sample_width: int) -> AudioSegment:
    """A segment of `samples` (floats, full scale 1.0; beyond it they are clipped hard)."""
    top = float(2 ** (8 * sample_width - 1) - 1)
    ints = [int(max(-1.0, min(1.0, s)) * top) for s in samples]
    if sample_width == 2:
        data = array.array("h", ints).tobytes()
    elif sample_width == 4:
        data = array.array("i", ints).tobytes()
    elif sample_width == 3:
        data = b"".join(struct.pack("<i", i)[:3] for i in ints)
    else:
        data = bytes((i + 128) & 0xFF for i in ints)
    if channels > 1:  # the same on every channel
        frame = sample_width
        data = b"".join(data[i : i + frame] * channels for i in range(0, len(data), frame))
    return AudioSegment(data=data, sample_width=sample_width, frame_rate=rate, channels=channels)


def sine_sweep(
    seconds: float,
    rate: int = 44_100,
    *,
    start_hz: float = 300.0,
    end_hz: float = 3_000.0,
    level: float = -6.0,
    channels: int = 1,
    sample_width: int = 2,
) -> AudioSegment:
    """A logarithmic sine sweep at `level` dBFS peak: every frequency a telephone carries."""
    count = int(seconds * rate)
    amplitude = 10 ** (level / 20)
    ratio = math.log(end_hz / start_hz)
    k = seconds / ratio
    samples = [
        amplitude * math.sin(2 * math.pi * start_hz * k * (math.exp(i / rate / k) - 1))
        for i in range(count)
    ]
    return _segment(samples, rate, channels, sample_width)


def tone(
    seconds: float,
    hz: float = 440.0,
    rate: int = 44_100,
    *,
    level: float = -6.0,
    channels: int = 1,
    sample_width: int = 2,
) -> AudioSegment:
    """A sine at `level` dBFS peak; above 0 dBFS it is hard-clipped, like an overdriven input."""
    amplitude = 10 ** (level / 20)
    step = 2 * math.pi * hz / rate
    samples = [amplitude * math.sin(step * i) for i in range(int(seconds * rate))]
    return _segment(samples, rate, channels, sample_width)


def silence(seconds: float, rate: int = 44_100, channels: int = 1) -> AudioSegment:
    """Digital silence."""
    return AudioSegment.silent(duration=seconds * 1000, frame_rate=rate).set_channels(channels)


def padded(segment: AudioSegment, before: float, after: float) -> AudioSegment:
    """`segment` with `before` and `after` seconds of digital silence."""
    rate, channels = segment.frame_rate, segment.channels
    quiet = silence(before, rate, channels).set_sample_width(segment.sample_width)
    tail = silence(after, rate, channels).set_sample_width(segment.sample_width)
    return quiet + segment + tail


def speech(text: str, voice: str = "en-us") -> bytes:
    """`text` spoken by espeak-ng as a WAV file (22,050 Hz mono), its header complete."""
    exe = espeak_ng()
    with tempfile.TemporaryDirectory(prefix="sce-speech-") as folder:
        out = os.path.join(folder, "speech.wav")
        subprocess.run(
            [exe, "-v", voice, "-b", "1", "-w", out],
            input=text.encode("utf-8"),
            check=True,
            capture_output=True,
            timeout=30,
        )
        with open(out, "rb") as f:
            return f.read()


def speech_segment(text: str, voice: str = "en-us") -> AudioSegment:
    """`speech` as a segment, for padding and mixing."""
    return from_wav(speech(text, voice))


def from_wav(data: bytes) -> AudioSegment:
    """A WAV file as a segment (pydub reads WAV itself: no ffmpeg, no ffprobe)."""
    return AudioSegment.from_file(io.BytesIO(data), format="wav")


def audible_seconds(segment: AudioSegment, threshold: float = -50.0) -> float:
    """How long `segment` is from its first to its last sound louder than `threshold` dBFS
    (in 5 ms steps)."""
    from pydub.silence import detect_leading_silence  # after sce.prompts.audio: no warning

    lead = detect_leading_silence(segment, silence_threshold=threshold, chunk_size=5)
    tail = detect_leading_silence(segment.reverse(), silence_threshold=threshold, chunk_size=5)
    return max(0, len(segment) - lead - tail) / 1000


def encode(segment: AudioSegment, fmt: str) -> bytes:
    """`segment` as an upload in `fmt` (a `FORMATS` key), at the segment's rate and channels
    (Opus encoders resample to 48 kHz themselves, as browsers do)."""
    options, muxer = FORMATS[fmt]
    source = [
        *("-f", _RAW[segment.sample_width], "-ar", str(segment.frame_rate)),
        *("-ac", str(segment.channels), "-i", "pipe:0"),
    ]
    return run_ffmpeg(source, [*options, "-f", muxer], segment.raw_data, piped=fmt == "webm-opus")


def lavfi(source: str, seconds: float, fmt: str) -> bytes:
    """An upload in `fmt` straight from one of ffmpeg's generators (`sine=f=440:r=8000`,
    `anullsrc=r=8000:cl=mono`): an hour of audio in a fraction of a second."""
    options, muxer = FORMATS[fmt]
    return run_ffmpeg(
        ["-f", "lavfi", "-i", source, "-t", f"{seconds:g}"], [*options, "-f", muxer], b""
    )


def run_ffmpeg(inputs: list[str], outputs: list[str], data: bytes, piped: bool = False) -> bytes:
    """Run ffmpeg (`inputs`, then `outputs`) on `data` and return what it wrote: to a pipe
    (`piped`) or to a file (for muxers that go back to write an index, such as MP4's)."""
    base = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *inputs, *outputs]
    if piped:
        done = subprocess.run(
            [*base, "pipe:1"], input=data, capture_output=True, check=True, timeout=60
        )
        return done.stdout
    with tempfile.TemporaryDirectory(prefix="sce-encode-") as folder:
        out = os.path.join(folder, "out")
        subprocess.run([*base, out], input=data, capture_output=True, check=True, timeout=60)
        with open(out, "rb") as f:
            return f.read()


# -- reading the results ------------------------------------------------------------------------


@dataclass(frozen=True)
class WavInfo:
    """What the header of a WAV file says, and its samples."""

    format_tag: int
    channels: int
    rate: int
    sample_width: int
    frames: bytes

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.sample_width / self.channels / self.rate


def read_wav(data: bytes) -> WavInfo:
    """A WAV file's header fields and samples, any format tag (the stdlib `wave` module reads
    PCM only; tests read PCM with it too, this is for the mu-law file)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE", data[:12]
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8, "RIFF size is the file's"
    at, fmt, frames = 12, None, None
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        body = data[at + 8 : at + 8 + size]
        if chunk == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif chunk == b"data":
            frames = body
        at += 8 + size + size % 2
    assert fmt is not None and frames is not None, "a fmt and a data chunk"
    tag, channels, rate, _, align, bits = fmt[:6]
    return WavInfo(tag, channels, rate, max(1, bits // 8), frames)


def read_pcm(data: bytes) -> tuple[int, int, int, bytes]:
    """(rate, channels, sample width, frames) of a PCM WAV file, read by the stdlib."""
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.readframes(w.getnframes())


def rms_dbfs(samples: bytes) -> float:
    """dBFS RMS of 16-bit samples (full scale 32,768)."""
    values = array.array("h", samples)
    mean = sum(v * v for v in values) / max(1, len(values))
    return 20 * math.log10(math.sqrt(mean) / 32768) if mean else -math.inf


def peak_dbfs(samples: bytes) -> float:
    """dBFS of the loudest 16-bit sample."""
    values = array.array("h", samples)
    top = max((abs(v) for v in values), default=0)
    return 20 * math.log10(top / 32768) if top else -math.inf
