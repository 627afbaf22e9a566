"""What a prompt says in the caller's language: the text for that language (else the flow's
default language, else any), rendered with the call's variables.

Most prompt texts have no `{...}` part, so their `Play` action is the same for every call: it is
made once per flow version, state, field and language and then shared (actions are immutable).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal, cast

from runtime.actions import Action, Play
from sce import expr
from sce.compiler.ir import CompiledFlow, State, Template

#: What the caller hears when the engine must end a call it cannot continue.
SORRY = {
    "en": "Sorry, we cannot continue this call right now. Please call again later. Goodbye.",
    "zh": "对不起，目前无法继续为您服务，请稍后再拨。再见。",
    "es": "Lo sentimos, no podemos continuar esta llamada. Por favor, llame más tarde. Adiós.",
    "fr": "Désolé, nous ne pouvons pas poursuivre cet appel. Veuillez rappeler plus tard. Au revoir.",
}


#: What the caller hears before a transfer the engine could not get to (see runtime.fallback).
PUT_THROUGH = {
    "en": "Sorry, something went wrong. Let me put you through to someone who can help.",
    "zh": "对不起，系统出了问题，正在为您转接人工服务。",
}


def sorry(language: str) -> Play:
    return Play(SORRY.get(language.split("-")[0].lower(), SORRY["en"]), language)


def put_through(language: str) -> Play:
    return Play(PUT_THROUGH.get(language.split("-")[0].lower(), PUT_THROUGH["en"]), language)


def pick(texts: Mapping[str, object], language: str, default: str) -> tuple[str, object] | None:
    """(language, text) of the caller's language, else of the same language written another
    way (a subflow in `zh` called from a `zh-CN` call), else the default language, else the
    first."""
    if language in texts:
        return language, texts[language]
    base = language.split("-")[0].lower()
    for lang, text in texts.items():
        if lang.split("-")[0].lower() == base:
            return lang, text
    if default in texts:
        return default, texts[default]
    for lang, text in texts.items():
        return lang, text
    return None


def prompt_of(state: State, field: str) -> Mapping[str, object] | None:
    """The prompt in a node's `field`: text per language, and audio (the schema's shape)."""
    return cast("Mapping[str, object] | None", state.params.get(field))


def is_static(template: object) -> bool:
    return isinstance(template, Template) and all(
        isinstance(p, str) for p in template.template.parts
    )


def render_text(
    template: object, env: Mapping[str, object], escape: Callable[[str], str] | None = None
) -> str:
    """A compiled template's text with the call's variables (ExprError when it fails)."""
    if isinstance(template, Template):
        return expr.render(template.template, env, escape=escape)
    return str(template)


class ActionCache:
    """What one compiled flow says the same way to every call, made once and shared: the Play
    of each static prompt, the prompts and gather of each static menu and collect (per
    language and lead-in prompt), and each menu's table of keys."""

    __slots__ = ("flow", "_plays", "asks", "choices")

    def __init__(self, flow: CompiledFlow) -> None:
        self.flow = flow
        self._plays: dict[tuple[str, str, str], Play | None] = {}
        self.asks: dict[tuple[str, str, str | None], tuple[Action, ...]] = {}
        self.choices: dict[str, dict[str, tuple[str, str, str, str]]] = {}

    def is_shared(self, state: str, field: str, language: str) -> bool:
        """Whether that prompt's Play is the same for every call (so it is cached)."""
        return (state, field, language) in self._plays

    def play(
        self,
        state: str,
        field: str,
        prompt: Mapping[str, object] | None,
        language: str,
        env: Mapping[str, object],
        barge_in: bool = False,
        loop: int = 1,
    ) -> Play | None:
        """The Play of `prompt` (a node's field) in `language`; None when it has nothing to say."""
        key = (state, field, language)
        cached: Play | None | Literal[False] = self._plays.get(key, False)
        if cached is not False:
            return cached
        if prompt is None:
            self._plays[key] = None
            return None
        texts = cast(Mapping[str, object], prompt.get("text") or {})
        audio = cast(str | None, prompt.get("audio"))
        found = pick(texts, language, self.flow.default_language)
        if found is None:
            play = Play("", language, audio, barge_in, loop) if audio else None
            self._plays[key] = play
            return play
        lang, template = found
        if is_static(template):
            play = Play(render_text(template, env), lang, audio, barge_in, loop)
            self._plays[key] = play
            return play
        return Play(render_text(template, env), lang, audio, barge_in, loop)
