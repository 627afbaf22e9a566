"""`sce.prompts.audio.convert` on real audio: generated sweeps and espeak-ng speech, padded with
silence, in every format voice talent upload, and the uploads it must refuse.

The results are read back with the stdlib (`wave`, and the mu-law header by hand) and measured
independently of the module: rate, channels, width, format tag, length after trimming, RMS
loudness and peaks. The source audio is made once per module (ffmpeg encodes it in every format
in a second or so).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from sce.errors import AudioRefused
from sce.prompts.audio import Converted, audioop, convert, detect, mulaw_wav, pcm_wav
from sce.prompts.settings import AudioSettings
from tests.prompts.sounds import (
    DETECTED,
    FORMATS,
    audible_seconds,
    encode,
    from_wav,
    lavfi,
    padded,
    peak_dbfs,
    read_pcm,
    read_wav,
    rms_dbfs,
    sine_sweep,
    speech_segment,
    tone,
)

ROOT = Path(__file__).resolve().parents[2]
SWEEP = 1.5  # seconds of sound, between...
BEFORE, AFTER = 0.6, 0.9  # ...this much silence
PADDING = 0.12  # what convert keeps each side
SENTENCE = "Welcome to the bank. For your balance, press one."


@pytest.fixture(scope="module")
def sweep_uploads() -> dict[str, bytes]:
    """A 1.5 s sweep between silences, as a studio would send it (44.1 kHz stereo; 24-bit for
    wav-24), in every format."""
    stereo = padded(sine_sweep(SWEEP, 44_100, channels=2), BEFORE, AFTER)
    deep = padded(sine_sweep(SWEEP, 44_100, channels=2, sample_width=3), BEFORE, AFTER)
    return {fmt: encode(deep if fmt == "wav-24" else stereo, fmt) for fmt in FORMATS}


@pytest.fixture(scope="module")
def spoken() -> tuple[bytes, float]:
    """Speech between silences as a 16-bit WAV, and how long its sound is (espeak-ng's own
    silence at its ends included, trimmed by a level check of the source)."""
    words = speech_segment(SENTENCE)
    return encode(padded(words, BEFORE, AFTER), "wav"), audible_seconds(words)


@pytest.fixture(scope="module")
def speech_uploads(spoken: tuple[bytes, float]) -> dict[str, bytes]:
    """The padded speech in every format (resampled to 48 kHz mono, as a browser records)."""
    segment = from_wav(spoken[0]).set_frame_rate(48_000)
    return {fmt: encode(segment, fmt) for fmt in FORMATS}


def check_telephone_audio(result: Converted, seconds: float, tolerance: float) -> bytes:
    """`result` is 8 kHz mono 16-bit PCM plus the same as mu-law, `seconds` long (within
    `tolerance`), at -20 dBFS RMS (within 1 dB) with its peaks below 0 dBFS. Its samples."""
    rate, channels, width, frames = read_pcm(result.pcm)
    assert (rate, channels, width) == (8000, 1, 2)
    mulaw = read_wav(result.mulaw)
    assert (mulaw.format_tag, mulaw.rate, mulaw.channels, mulaw.sample_width) == (7, 8000, 1, 1)
    assert len(mulaw.frames) == len(frames) // 2
    length = len(frames) / 2 / 8000
    assert abs(length - seconds) <= tolerance, f"{length:.3f} s, expected {seconds:.3f} s"
    assert abs(result.duration_ms / 1000 - length) < 0.002
    loudness = rms_dbfs(frames)
    assert abs(loudness - -20.0) <= 1.0, f"{loudness:.2f} dBFS"
    assert abs(result.loudness - loudness) < 0.1
    assert peak_dbfs(frames) < 0 and abs(result.peak - peak_dbfs(frames)) < 0.1
    assert result.peak <= -0.9
    # The mu-law file says the same: G.711 keeps the level within a fraction of a dB.
    assert abs(rms_dbfs(audioop.ulaw2lin(mulaw.frames, 2)) - loudness) < 0.5
    return frames


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_sweep_in_every_format_becomes_telephone_audio(
    fmt: str, sweep_uploads: dict[str, bytes]
) -> None:
    result = convert(sweep_uploads[fmt], f"sweep.{fmt.split('-')[0]}")
    assert result.source_format == DETECTED[fmt]
    # Lossy codecs smear the edges by a frame or so.
    check_telephone_audio(result, SWEEP + 2 * PADDING, tolerance=0.05)
    trimmed = BEFORE + AFTER - 2 * PADDING
    assert abs(result.trimmed_ms / 1000 - trimmed) <= 0.06


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_speech_in_every_format_becomes_telephone_audio(
    fmt: str, speech_uploads: dict[str, bytes], spoken: tuple[bytes, float]
) -> None:
    result = convert(speech_uploads[fmt], f"take.{fmt.split('-')[0]}")
    assert result.source_format == DETECTED[fmt]
    check_telephone_audio(result, spoken[1] + 2 * PADDING, tolerance=0.1)


def test_another_loudness_target_is_met() -> None:
    quiet = encode(padded(sine_sweep(1.0, 16_000, level=-30), 0.3, 0.3), "wav")
    result = convert(quiet, "quiet.wav", AudioSettings(loudness=-26.0))
    _, _, _, frames = read_pcm(result.pcm)
    assert abs(rms_dbfs(frames) - -26.0) <= 1.0


def test_peaks_are_kept_below_minus_one_dbfs_even_when_the_target_is_missed() -> None:
    """A single loud click in quiet speech: raising it all to -10 dBFS RMS would clip the
    click, so the gain stops where the peak reaches -1 dBFS."""
    click = tone(0.005, 1000, 8000, level=-1) + tone(0.5, 300, 8000, level=-40)
    result = convert(encode(click, "wav"), "click.wav", AudioSettings(loudness=-10.0))
    _, _, _, frames = read_pcm(result.pcm)
    assert -1.3 <= peak_dbfs(frames) <= -0.9
    assert rms_dbfs(frames) < -10.0


def test_a_normal_loud_recording_is_not_called_clipped(spoken: tuple[bytes, float]) -> None:
    """Speech whose loudest sample touches full scale (what "normalise to 0 dB" in an editor
    gives) is loud, not clipped."""
    words = from_wav(spoken[0])
    loud = words.apply_gain(-words.max_dBFS - 0.01)
    result = convert(encode(loud, "wav"), "loud.wav")
    assert abs(result.loudness - -20.0) <= 1.0


def test_the_content_decides_not_the_name(sweep_uploads: dict[str, bytes]) -> None:
    result = convert(sweep_uploads["wav"], "really-a-wav.mp3")
    assert result.source_format == "wav"
    assert convert(sweep_uploads["flac"], "upload.wav").source_format == "flac"
    assert convert(sweep_uploads["webm-opus"], "no-extension").source_format == "webm"


def test_an_mp3_without_a_tag_is_found_after_junk_when_named_mp3(
    sweep_uploads: dict[str, bytes],
) -> None:
    """Some tools write padding before an MP3's first frame: the name lets the frames be
    looked for; without the name it is not taken for audio."""
    mp3 = sweep_uploads["mp3"]
    assert mp3[:3] == b"ID3"
    size = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(mp3[6:10]))
    junk = b"\x00" * 300 + mp3[size:]
    assert detect(junk, "take.mp3") == "mp3"
    assert convert(junk, "take.mp3").duration_ms > 1000
    with pytest.raises(AudioRefused, match="take.bin is not audio"):
        convert(junk, "take.bin")


# -- refused ------------------------------------------------------------------------------------


def refused(data: bytes, name: str, settings: AudioSettings = AudioSettings()) -> str:  # noqa: B008
    with pytest.raises(AudioRefused) as caught:
        convert(data, name, settings)
    message = str(caught.value)
    assert "Traceback" not in message and "\n" not in message
    return message


def test_random_bytes_are_not_audio() -> None:
    noise = random.Random(7).randbytes(20_000)
    message = refused(noise, "upload.wav")
    assert message.startswith("upload.wav is not audio: its content is none of WAV, MP3")


def test_a_text_file_named_wav_is_not_audio() -> None:
    message = refused(b"Script: Welcome to the bank.\nPress one.\n", "script.wav")
    assert message == "script.wav is not audio: it holds text, not sound"


def test_an_empty_upload() -> None:
    assert refused(b"", "take.wav") == "take.wav is empty (0 bytes); upload the recording again"


def test_digital_silence() -> None:
    quiet = encode(tone(2.0, level=-200), "wav")
    assert refused(quiet, "take.wav") == "take.wav is silent (every sample is zero)"


def test_near_silence_says_how_loud_it_was() -> None:
    hiss = encode(tone(1.0, 1000, 8000, level=-70), "flac")
    message = refused(hiss, "take.flac")
    assert message.startswith("take.flac is silent (loudest -73 dBFS)")
    assert "microphone" in message


def test_a_hard_clipped_sine() -> None:
    clipped = encode(tone(1.5, 440, 44_100, level=12), "wav")
    message = refused(clipped, "loud.wav")
    assert message.startswith("loud.wav is clipped: ")
    assert "% of samples at full scale; record again further from the microphone" in message
    percent = float(message.split(": ")[1].split("%")[0])
    assert percent > 30


def test_clipped_speech_in_an_mp3(spoken: tuple[bytes, float]) -> None:
    words = from_wav(spoken[0])
    overdriven = words.apply_gain(-words.max_dBFS + 18)  # pydub clips what is beyond
    assert "is clipped" in refused(encode(overdriven, "mp3"), "take.mp3")


def test_an_hour_long_upload() -> None:
    """An hour (8 kHz mu-law WAV, 29 MB, made in a fraction of a second): refused after
    decoding two minutes of it, with the length its header gives."""
    hour = lavfi("sine=f=440:r=8000:samples_per_frame=8000", 3600, "wav-mulaw")
    assert len(hour) > 28_000_000
    message = refused(hour, "meeting.wav")
    assert message == "meeting.wav is 3,600 s long; prompts may be at most 120 s"


def test_the_length_limit_is_the_settings(sweep_uploads: dict[str, bytes]) -> None:
    short = AudioSettings(max_seconds=2.0)
    message = refused(sweep_uploads["ogg-opus"], "take.ogg", short)
    assert message.endswith("s long; prompts may be at most 2 s")
    assert convert(sweep_uploads["ogg-opus"], "take.ogg", AudioSettings(max_seconds=3.5))


def test_a_too_large_upload() -> None:
    big = encode(tone(0.1), "wav") + bytes(80 * 1024 * 1024)
    assert refused(big, "raw.wav") == "raw.wav is 80 MB; uploads may be at most 50 MB"
    small = AudioSettings(max_bytes=1024 * 1024)
    two = encode(tone(0.1), "wav") + bytes(2 * 1024 * 1024)
    assert refused(two, "raw.wav", small) == "raw.wav is 2 MB; uploads may be at most 1 MB"
    # What a server that reads no more than the limit and a byte has.
    cut = big[: 50 * 1024 * 1024 + 1]
    assert refused(cut, "raw.wav") == "raw.wav is more than 50 MB; uploads may be at most 50 MB"


def test_a_truncated_webm(speech_uploads: dict[str, bytes]) -> None:
    """A browser upload cut off halfway (the network dropped): refused, not half a prompt."""
    webm = speech_uploads["webm-opus"]
    message = refused(webm[: len(webm) // 2], "recording.webm")
    assert message.startswith("recording.webm is damaged or cut short (File ended prematurely)")
    assert message.endswith("upload the whole recording again")
    assert "damaged or cut short" in refused(webm[:150], "recording.webm")


def test_a_wav_cut_short(sweep_uploads: dict[str, bytes]) -> None:
    """Its header says how much sound follows: less is a broken upload, not a shorter take."""
    wav = sweep_uploads["wav"]
    message = refused(wav[: len(wav) * 2 // 3], "studio.wav")
    assert message == (
        "studio.wav is damaged or cut short (its header promises more sound than it holds); "
        "upload the whole recording again"
    )


def test_a_streamed_wav_without_sizes_converts() -> None:
    """A WAV written to a pipe (espeak-ng --stdout, arecord) cannot fill in its sizes."""
    wav = pcm_wav(padded(sine_sweep(1.0, 22_050), 0.3, 0.3).raw_data, 22_050)
    streamed = wav[:4] + b"\xff\xff\xff\x7f" + wav[8:40] + b"\xff\xff\xff\x7f" + wav[44:]
    assert wav[36:40] == b"data"
    assert abs(convert(streamed, "piped.wav").duration_ms - 1240) <= 40


@pytest.mark.parametrize("fmt", ["flac", "ogg-vorbis", "m4a-aac"])
def test_only_the_start_of_a_file(fmt: str, sweep_uploads: dict[str, bytes]) -> None:
    message = refused(sweep_uploads[fmt][:200], "take")
    assert message.startswith(("take is damaged or cut short", "take cannot be read as"))


def test_a_wav_header_with_nothing_valid_after_it() -> None:
    broken = b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(32)
    message = refused(broken, "broken.wav")
    assert message.startswith("broken.wav cannot be read as WAV audio: ")


def test_an_ogg_file_with_another_codec() -> None:
    page = b"OggS\x00\x02" + bytes(20) + b"\x01\x1e" + b"\x80theora" + bytes(40)
    message = refused(page, "clip.ogg")
    assert (
        message
        == "clip.ogg is not audio: it is an Ogg file, but with neither Vorbis nor Opus audio in it"
    )


def test_refusals_are_value_errors() -> None:
    with pytest.raises(ValueError):
        convert(b"", "x.wav")


def test_the_mulaw_writer_pads_odd_lengths() -> None:
    wav = mulaw_wav(b"\x00\x10" * 3, 8000)
    info = read_wav(wav)
    assert len(wav) % 2 == 0 and len(info.frames) == 3


def test_importing_warns_about_nothing() -> None:
    """pydub looks for ffmpeg on PATH when imported (ours is imageio-ffmpeg's, not on PATH),
    and audioop is deprecated: neither may warn."""
    env = {**os.environ, "PATH": os.defpath}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import sce.prompts.audio, sce.prompts.tts"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
