"""Which prompts have a recording the platform can play, and where.

A recording of prompt `menu/main` in `zh-CN` is `prompts/zh-CN/menu/main.wav` (or `.mp3`); a
`zh` folder serves every Chinese variant. A prompt with no recording for the caller's language is
spoken from its text (<Say>), as the flow schema promises: a <Play> of a missing file would end a
real call with an error.
"""

from __future__ import annotations

import re
from pathlib import Path

#: What the phone platform plays, best first.
AUDIO_SUFFIXES = (".wav", ".mp3")
#: A language folder's name (a BCP 47 tag): nothing that could climb out of the folder.
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


class Recordings:
    """Recorded prompts under a folder, found by prompt id and language."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).resolve()

    def find(self, prompt: str, language: str) -> str | None:
        """The recording's path relative to the folder (with `/`), or None."""
        parts = prompt.split("/")
        if not prompt or any(p in ("", ".", "..") or "\\" in p for p in parts):
            return None
        for lang in dict.fromkeys((language, language.split("-")[0])):
            if not _LANGUAGE.fullmatch(lang):
                continue
            for suffix in AUDIO_SUFFIXES:
                relative = f"{lang}/{prompt}{suffix}"
                if (self.folder / relative).is_file():
                    return relative
        return None
