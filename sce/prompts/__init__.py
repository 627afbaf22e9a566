"""The prompt library: every word a caller hears, with its text and audio per language.

`prompts/` (beside the flows) holds `catalog.json` and the audio. A flow names a prompt by id
(`prompt.audio`, such as `welcome` or `menu/main`); the catalog says, per language, the text the
voice talent reads and the takes recorded, uploaded or synthesised for it, and which take is the
one callers hear. Everything that reaches the catalog goes through `audio.convert` first, so the
catalog only ever holds telephone audio (8 kHz mono; 16-bit PCM and G.711 mu-law WAV).

- `audio`: any common upload -> telephone audio (trimmed, loudness-normalised), or `AudioRefused`.
- `tts`: text -> speech where no recording exists yet (espeak-ng offline, gTTS online), cached.
- `catalog`: the catalog's model, its schema-checked loading and atomic saving, and its takes.
- `settings`: `[tool.sce.prompts]`.

The runtime only reads the catalog (which take to play); writing it is authoring work, done by
the CLI (`sce prompts ...`) and the studio's API through the same functions.
"""
