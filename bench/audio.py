"""Benchmark: what `sce.prompts.audio.convert` costs per prompt, against ffmpeg alone.

The prompts: 100 uploads made in memory at the start, like the ones voice talent send: espeak-ng
speech of 2 to 20 words (en-us, en-gb, de, fr-fr), between 0.1 and 1 s of silence each side
(1 to 8 s in all), in turn as WebM/Opus (48 kHz mono, as a browser's MediaRecorder streams it),
Ogg/Vorbis (48 kHz), MP3 (44.1 kHz stereo) and WAV (44.1 kHz stereo, 16-bit).

Two contenders convert all of them, one after the other, in the same process:

- ours: `convert(data, name)` - one ffmpeg run decoding to 8 kHz mono s16 on a pipe, then, in
  Python, the silence, clipping and length checks, trimming, loudness and both WAV files.
- ffmpeg: the same ffmpeg binary (imageio-ffmpeg's), fed the same bytes on stdin with the same
  input options (`audio.input_options`: libopus for Opus, a small probe for WAV), doing the
  same work in one run of its own filters, with two outputs:
  `ffmpeg [input options] -f FMT -i pipe:0 -filter_complex "[0:a:0]aformat=sample_rates=8000:channel_layouts=
  mono,silenceremove=start_periods=1:start_threshold=-45dB:start_silence=0.12,areverse,
  silenceremove=(the same),areverse,volume=GAIN dB,asplit=2[pcm][mulaw]" -map [pcm] -c:a
  pcm_s16le pcm.wav -map [mulaw] -c:a pcm_mulaw mulaw.wav` (files in a temporary folder, read
  back into memory). silenceremove trims the leading silence; the areverse pair makes it trim
  the trailing one too (stop_periods would cut the pauses between words). GAIN is the one
  `convert` found for that prompt: ffmpeg is told the gain instead of measuring it, so the
  reference is a floor (an ffmpeg-only pipeline would need a measuring pass first, volumedetect,
  or loudnorm's far slower EBU R128 analysis).

They take turns over several rounds (ours first, then ffmpeg first, ...); each figure is the
median of its rounds, so that a slow spell of this shared machine hits both alike.

Target: `ratio_vs_ffmpeg` (ours' time / ffmpeg's, median of the rounds' ratios) at most 1.5.
`ours_ms_per_prompt` and `ffmpeg_ms_per_prompt` are the medians of the rounds' totals over the
prompts. The run stops with an error if a result of either is not 8 kHz mono telephone audio or
if their lengths differ by more than half a second. `--quick` is 10 prompts and one round. The
last line is {"bench": "audio", "metrics": {...}}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sce.errors import AudioRefused  # noqa: E402
from sce.prompts.audio import (  # noqa: E402
    Converted,
    audioop,
    convert,
    dbfs,
    detect,
    ffmpeg_exe,
    input_options,
)
from tests.prompts.sounds import encode, from_wav, padded, read_pcm, read_wav, speech  # noqa: E402

#: What the prompts say: runs of 2 to 20 of these words, from anywhere in the text.
SCRIPT = (
    "welcome to our bank for your balance press one to speak to an agent press two our "
    "opening hours are nine to five from monday to friday please say or enter your account "
    "number followed by the hash key thank you for calling goodbye"
)
WORDS = tuple(SCRIPT.split(" "))
VOICES = ("en-us", "en-gb", "de", "fr-fr")
MIX = ("webm-opus", "ogg-vorbis", "mp3", "wav")
TRIM = "silenceremove=start_periods=1:start_threshold=-45dB:start_silence=0.12"


@dataclass(frozen=True)
class Prompt:
    name: str
    fmt: str
    data: bytes


def make_prompt(index: int) -> Prompt:
    """Prompt `index` (the same every run): speech, silence around it, in one of `MIX`."""
    chance = random.Random(index)
    start = chance.randrange(len(WORDS))
    words = [WORDS[(start + i) % len(WORDS)] for i in range(chance.randint(2, 20))]
    spoken = from_wav(speech(" ".join(words), VOICES[index % len(VOICES)]))
    segment = padded(spoken, chance.uniform(0.1, 1.0), chance.uniform(0.1, 1.0))
    fmt = MIX[index % len(MIX)]
    if fmt in ("webm-opus", "ogg-vorbis"):
        segment = segment.set_frame_rate(48_000)
    else:
        segment = segment.set_frame_rate(44_100).set_channels(2)
    extension = {"webm-opus": "webm", "ogg-vorbis": "ogg"}.get(fmt, fmt)
    return Prompt(f"prompt-{index:03}.{extension}", fmt, encode(segment, fmt))


def demuxer(fmt: str) -> str:
    return {"webm-opus": "matroska", "ogg-vorbis": "ogg"}.get(fmt, fmt)


def ffmpeg_reference(prompt: Prompt, gain: float, folder: str) -> tuple[bytes, bytes]:
    """What ffmpeg alone does for `prompt` (see the module docstring): both WAV files."""
    pcm, mulaw = os.path.join(folder, "pcm.wav"), os.path.join(folder, "mulaw.wav")
    graph = (
        f"[0:a:0]aformat=sample_rates=8000:channel_layouts=mono,{TRIM},areverse,{TRIM},"
        f"areverse,volume={gain:.2f}dB,asplit=2[pcm][mulaw]"
    )
    command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
    command += [*input_options(prompt.data, detect(prompt.data)), "-f", demuxer(prompt.fmt)]
    command += ["-i", "pipe:0", "-filter_complex", graph]
    command += ["-map", "[pcm]", "-c:a", "pcm_s16le", pcm]
    command += ["-map", "[mulaw]", "-c:a", "pcm_mulaw", mulaw]
    done = subprocess.run(command, input=prompt.data, capture_output=True, timeout=60)
    if done.returncode != 0:
        raise SystemExit(f"ffmpeg failed on {prompt.name}: {done.stderr.decode()[-500:]}")
    with open(pcm, "rb") as a, open(mulaw, "rb") as b:
        return a.read(), b.read()


def gain_of(result: Converted, prompt: Prompt) -> float:
    """The gain `convert` applied: the loudest sample's level after it minus before it (the
    input decoded again here, outside the timing; trimming keeps the loudest sample)."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-f", demuxer(prompt.fmt), "-i", "pipe:0"]
        + ["-ac", "1", "-ar", "8000", "-f", "s16le", "pipe:1"],
        input=prompt.data,
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    return result.peak - dbfs(audioop.max(raw, 2))


def check(name: str, pcm: bytes, mulaw: bytes) -> float:
    """The seconds of `pcm`, which must be 8 kHz mono 16-bit, with `mulaw` its G.711 twin."""
    rate, channels, width, frames = read_pcm(pcm)
    info = read_wav(mulaw)
    if (rate, channels, width) != (8000, 1, 2) or (info.format_tag, info.rate) != (7, 8000):
        raise SystemExit(f"{name}: not 8 kHz mono telephone audio ({rate}, {channels}, {width})")
    return len(frames) / 2 / 8000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (for the smoke test)")
    args = parser.parse_args()
    count, rounds = (10, 1) if args.quick else (100, 5)

    made = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        prompts = list(pool.map(make_prompt, range(count)))
    made = time.perf_counter() - made

    # Ours once outside the timing: the gains ffmpeg is told, and a warm page cache for both.
    try:
        firsts = [convert(p.data, p.name) for p in prompts]
    except AudioRefused as e:
        raise SystemExit(f"a benchmark prompt was refused: {e}") from None
    gains = [gain_of(r, p) for r, p in zip(firsts, prompts, strict=True)]
    seconds = [check(p.name, r.pcm, r.mulaw) for p, r in zip(prompts, firsts, strict=True)]

    totals: dict[str, list[float]] = {"ours": [], "ffmpeg": []}
    with tempfile.TemporaryDirectory(prefix="sce-bench-audio-") as folder:
        for turn in range(rounds):
            order = ("ours", "ffmpeg") if turn % 2 == 0 else ("ffmpeg", "ours")
            for who in order:
                started = time.perf_counter()
                if who == "ours":
                    results = [convert(p.data, p.name) for p in prompts]
                    outputs = [(r.pcm, r.mulaw) for r in results]
                else:
                    outputs = [
                        ffmpeg_reference(p, g, folder) for p, g in zip(prompts, gains, strict=True)
                    ]
                totals[who].append(time.perf_counter() - started)
                for prompt, (pcm, mulaw), ours in zip(prompts, outputs, seconds, strict=True):
                    length = check(prompt.name, pcm, mulaw)
                    if abs(length - ours) > 0.5:
                        raise SystemExit(
                            f"{prompt.name}: {who} made {length:.2f} s, ours {ours:.2f} s"
                        )

    ratios = [a / b for a, b in zip(totals["ours"], totals["ffmpeg"], strict=True)]
    ours_ms = statistics.median(totals["ours"]) / count * 1000
    ffmpeg_ms = statistics.median(totals["ffmpeg"]) / count * 1000
    metrics = {
        "ratio_vs_ffmpeg": round(statistics.median(ratios), 3),
        "ours_ms_per_prompt": round(ours_ms, 2),
        "ffmpeg_ms_per_prompt": round(ffmpeg_ms, 2),
        "prompts": count,
        "rounds": rounds,
        "audio_seconds_per_prompt": round(sum(seconds) / count, 2),
    }
    by_format = {fmt: sum(1 for p in prompts if p.fmt == fmt) for fmt in MIX}
    print(
        f"{count} prompts ({', '.join(f'{n} {f}' for f, n in by_format.items())}), "
        f"{sum(seconds) / count:.1f} s each after trimming on average; made in {made:.1f} s"
    )
    print(f"{rounds} round{'s' if rounds != 1 else ''}, the median of each figure")
    print(f"{'contender':<34} {'ms/prompt':>10} {'x ffmpeg':>9}")
    print(f"{'ours (sce.prompts.audio.convert)':<34} {ours_ms:>10.2f} {ours_ms / ffmpeg_ms:>9.2f}")
    print(f"{'ffmpeg alone (filters, 2 outputs)':<34} {ffmpeg_ms:>10.2f} {1:>9.2f}")
    print(f"ratio vs ffmpeg: {metrics['ratio_vs_ffmpeg']} (target <= 1.5)")
    print(json.dumps({"bench": "audio", "metrics": metrics}))


if __name__ == "__main__":
    main()
