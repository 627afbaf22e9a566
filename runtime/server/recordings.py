"""Which prompts have a recording the platform can play, and where.

The prompt catalog (`prompts/catalog.json`, `sce.prompts.catalog`) says which take of a prompt
callers hear in a language: a recording, else a synthesised stand-in. Take files are never
changed once written, so a call given a take's URL hears that take to its end even when someone
records the prompt again meanwhile. A prompt the catalog does not know may still be a plain
file: a recording of `menu/main` in `zh-CN` is `prompts/zh-CN/menu/main.wav` (or `.mp3`); a
`zh` folder serves every Chinese variant. A prompt with no audio for the caller's language is
spoken from its text (<Say>), as the flow schema promises: a <Play> of a missing file would end
a real call with an error.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sce.errors import CatalogBroken
from sce.prompts.catalog import PromptLibrary, is_prompt_id, plain_file

log = logging.getLogger(__name__)


class Recordings:
    """Recorded prompts under a folder, found by prompt id and language."""

    def __init__(self, folder: str | Path, library: PromptLibrary | None = None) -> None:
        self.folder = Path(folder).resolve()
        self.library = library or PromptLibrary(self.folder)
        self._broken: str | None = None

    def find(self, prompt: str, language: str) -> str | None:
        """The recording's path relative to the folder (with `/`), or None. Only prompt ids
        and language tags are looked up: nothing that could leave the folder."""
        if not is_prompt_id(prompt):
            return None
        return self._catalog_take(prompt, language) or plain_file(self.folder, prompt, language)

    def generation(self) -> tuple[int, int, int] | None:
        """What changes whenever the catalog does (a take recorded, chosen, approved): rendered
        TwiML is kept under it, so that the next call hears a new take at once."""
        try:
            st = self.library.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _catalog_take(self, prompt: str, language: str) -> str | None:
        try:
            take = self.library.best(prompt, language)
        except CatalogBroken as broken:
            # Calls go on with the plain files and the texts; the operator hears of it once.
            if broken.message != self._broken:
                self._broken = broken.message
                log.error("the prompt catalog cannot be read, prompts are spoken: %s", broken)
            return None
        if take is None or not (self.folder / take.file).is_file():
            return None
        return take.file
