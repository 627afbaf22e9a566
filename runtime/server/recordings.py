"""Which prompts have a recording the platform can play, and where.

A recording of prompt `menu/main` in `zh-CN` is `prompts/zh-CN/menu/main.wav` (or `.mp3`); a
`zh` folder serves every Chinese variant. A prompt with no recording for the caller's language is
spoken from its text (<Say>), as the flow schema promises: a <Play> of a missing file would end a
real call with an error.
"""

from __future__ import annotations

from pathlib import Path

#: What the phone platform plays, best first.
AUDIO_SUFFIXES = (".wav", ".mp3")


class Recordings:
    """Recorded prompts under a folder, found by prompt id and language."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).resolve()

    def find(self, prompt: str, language: str) -> str | None:
        """The recording's path relative to the folder (with `/`), or None."""
        if not prompt or ".." in prompt.split("/") or prompt.startswith("/"):
            return None
        for lang in dict.fromkeys((language, language.split("-")[0])):
            if not lang:
                continue
            for suffix in AUDIO_SUFFIXES:
                relative = f"{lang}/{prompt}{suffix}"
                if (self.folder / relative).is_file():
                    return relative
        return None
