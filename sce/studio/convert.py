"""A Twilio Studio flow definition (v2, as Studio exports it) as one of our flow documents.

Each widget becomes the node of ours that does the same, keeping the widget's exact name as the
node's title and its canvas position as the node's, so the imported flow reads like the original
in the designer. Liquid becomes our templates and expressions (`sce.studio.liquid`). What has no
equivalent here is kept as a marked node (a `set` step that does nothing, described, on the
widget's main way out) and reported with the widget's name; nothing is dropped silently. The
report (`sce.studio.report`) lists every widget and what became of it.

A transition with no next widget ends the Studio execution, which hangs up a call: here it goes
to one shared `hangup` node. Studio's gathers wait once (no retries): so do the collects made of
them, and their `timeout` transition is the collect's `exhausted` exit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from urllib.parse import urlsplit

from sce.errors import PatternError, StudioImportError
from sce.patterns import compile_pattern
from sce.studio import liquid
from sce.studio.conditions import conditions, keyed, quote, unquote
from sce.studio.names import ident, snake, unique, variable
from sce.studio.report import Report, WidgetLine

#: The widget types Studio has (one of another type is a malformed export).
KNOWN = frozenset(
    {
        "trigger",
        "split-based-on",
        "set-variables",
        "say-play",
        "gather-input-on-call",
        "connect-call-to",
        "make-outgoing-call-v2",
        "record-voicemail",
        "record-call",
        "enqueue-call",
        "capture-payments",
        "fork-stream",
        "connect-virtual-agent",
        "send-message",
        "send-and-wait-for-reply",
        "make-http-request",
        "run-function",
        "run-subflow",
        "add-twiml-redirect",
        "send-to-flex",
        "send-to-autopilot",
    }
)

#: Widgets kept as marked nodes: what they did in Studio, and the transition the node follows.
MARKED: dict[str, tuple[str, str]] = {
    "capture-payments": ("takes a card payment over the phone (Twilio <Pay>)", "providerError"),
    "add-twiml-redirect": ("hands the call to another TwiML application", "return"),
    "fork-stream": ("streams the call's audio to a WebSocket", "next"),
    "connect-virtual-agent": ("connects the call to a virtual agent", "hangup"),
    "record-call": ("starts or stops recording the whole call", "success"),
    "make-outgoing-call-v2": ("places an outbound call", "answered"),
    "run-subflow": ("runs another Studio flow (a subflow)", "completed"),
    "send-to-autopilot": ("hands the call to Twilio Autopilot", "sessionEnded"),
}

#: Widgets that only a call has: a flow started by REST or by a parent flow that has none of them
#: only sends messages.
VOICE = frozenset(
    {
        "say-play",
        "gather-input-on-call",
        "connect-call-to",
        "record-voicemail",
        "enqueue-call",
        "make-outgoing-call-v2",
        "capture-payments",
        "record-call",
        "add-twiml-redirect",
    }
)

#: The builtins that hold text (what `trigger.call.*` reads).
BUILTIN_TEXTS = frozenset({"caller", "called", "call_id", "last_digits", "last_speech"})

#: Studio gives an HTTP request or a Function 10 seconds.
STUDIO_HTTP_SECONDS = 10

#: Studio's default voice language.
DEFAULT_LANGUAGE = "en-US"
_PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")
_CHANNELS = {"incomingCall": "voice", "incomingParent": "subflow", "incomingRequest": "rest"}


@dataclass
class Widget:
    name: str
    type: str
    properties: dict[str, object]
    #: event → next widget name (None: the flow ends); `match` transitions are in `matches`.
    exits: dict[str, str | None]
    matches: list[dict[str, object]]
    pointer: str
    id: str = ""

    def prop(self, key: str, default: object = None) -> object:
        return self.properties.get(key, default)

    def text(self, key: str) -> str:
        value = self.properties.get(key)
        return "" if value is None else str(value)

    def number(self, key: str) -> float | None:
        value = self.properties.get(key)
        try:
            return float(str(value)) if value not in (None, "") else None
        except ValueError:
            return None


@dataclass
class Imported:
    """The flow document, and the report of how it came over."""

    document: dict[str, object]
    report: Report


@dataclass
class _Variable:
    type: str = "string"
    input: bool = False


@dataclass
class _State:
    widgets: dict[str, Widget]
    nodes: dict[str, dict[str, object]] = field(default_factory=dict)
    variables: dict[str, _Variable] = field(default_factory=dict)
    #: http node id → variable → JSON pointer of the reply (from `widgets.X.parsed.*` reads).
    saves: dict[str, dict[str, str]] = field(default_factory=dict)
    #: gather node ids whose SpeechResult is read.
    speech_read: set[str] = field(default_factory=set)
    taken: set[str] = field(default_factory=set)
    end: str | None = None


def convert(definition: object, *, flow_id: str, source: str = "") -> Imported:
    """Our flow document for a Studio flow `definition` (the bare definition or the REST
    resource that wraps it in `definition`), as flow `flow_id`. StudioImportError when the
    export is malformed or a messaging-only flow."""
    return _Converter(_definition(definition, source), flow_id, source).run()


def _definition(data: object, source: str) -> dict[str, object]:
    if isinstance(data, dict) and isinstance(data.get("definition"), dict):
        data = data["definition"]  # the REST resource (GET /v2/Flows/FW...)
    if not isinstance(data, dict):
        raise StudioImportError(f"{source}: not a Studio flow definition (a JSON object)")
    if not isinstance(data.get("states"), list) or not data["states"]:
        raise StudioImportError(f"{source}: /states: a Studio flow definition has a list of states")
    return data


class _Converter:
    def __init__(self, definition: dict[str, object], flow_id: str, source: str) -> None:
        self.definition = definition
        self.flow_id = flow_id
        self.source = source
        self.report = Report(source=source, flow=flow_id)
        self.state = _State(widgets=self._widgets())
        self.languages: list[str] = []
        #: node id → the language its prompt is spoken in (Studio sets it per widget).
        self.spoken: dict[str, str] = {}

    # -- reading the export ------------------------------------------------------------------

    def _fail(self, pointer: str, message: str) -> StudioImportError:
        return StudioImportError(f"{self.source}: {pointer}: {message}")

    def _widgets(self) -> dict[str, Widget]:
        states = self.definition["states"]
        assert isinstance(states, list)
        found: dict[str, Widget] = {}
        for i, raw in enumerate(states):
            pointer = f"/states/{i}"
            if not isinstance(raw, dict):
                raise self._fail(pointer, "a widget is a JSON object")
            name, kind = raw.get("name"), raw.get("type")
            if not isinstance(name, str) or not name:
                raise self._fail(pointer, "the widget has no name")
            if not isinstance(kind, str) or kind not in KNOWN:
                shown = kind if isinstance(kind, str) else json.dumps(kind)
                raise self._fail(pointer, f"widget '{name}': unknown widget type '{shown}'")
            if name in found:
                raise self._fail(pointer, f"widget '{name}': two widgets have this name")
            props = raw.get("properties") or {}
            transitions = raw.get("transitions") or []
            if not isinstance(props, dict) or not isinstance(transitions, list):
                raise self._fail(pointer, f"widget '{name}': properties and transitions are wrong")
            exits: dict[str, str | None] = {}
            matches: list[dict[str, object]] = []
            for t in transitions:
                if not isinstance(t, dict) or not isinstance(t.get("event"), str):
                    raise self._fail(pointer, f"widget '{name}': a transition has no event")
                nxt = t.get("next") or None
                if nxt is not None and not isinstance(nxt, str):
                    raise self._fail(pointer, f"widget '{name}': a transition's next is not a name")
                if t["event"] == "match":
                    matches.append(t)
                else:
                    exits[t["event"]] = nxt
            found[name] = Widget(name, kind, props, exits, matches, pointer)
        for widget in found.values():
            targets = [*widget.exits.values(), *(m.get("next") for m in widget.matches)]
            for target in targets:
                if isinstance(target, str) and target not in found:
                    raise self._fail(
                        widget.pointer,
                        f"widget '{widget.name}': a transition goes to '{target}', "
                        "which is not a widget of this flow",
                    )
        return found

    # -- the whole flow --------------------------------------------------------------------

    def run(self) -> Imported:
        widgets = self.state.widgets
        trigger = next((w for w in widgets.values() if w.type == "trigger"), None)
        if trigger is None:
            raise self._fail("/states", "the flow has no Trigger widget")
        start, channel = self._start(trigger)
        self.report.channel = channel
        for widget in widgets.values():
            if widget.type != "trigger":
                widget.id = unique(ident(widget.name), self.state.taken)
        self.languages = self._languages()
        self._find_speech_read()
        for widget in widgets.values():  # known as text before any split reads them
            if widget.type == "gather-input-on-call":
                self.state.variables[f"{widget.id}_digits"[:64]] = _Variable()
                if widget.id in self.state.speech_read:
                    self.state.variables[f"{widget.id}_speech"[:64]] = _Variable()
        for widget in widgets.values():
            if widget.type != "trigger":
                self._convert(widget)
        self._finish_saves()
        self._constant_hosts()
        start_id = self._to(start)
        if len(self.languages) > 1:
            start_id = self._switch_languages(start_id)
        document: dict[str, object] = {
            "flow": self.flow_id,
            "title": str(self.definition.get("description") or self.flow_id)[:200],
            "description": "Imported from Twilio Studio"
            + (f" ({PurePath(self.source).name})." if self.source else "."),
            "languages": self.languages,
            "start": start_id,
            "variables": {
                name: {"type": v.type, "default": "" if v.type == "string" else None}
                | ({"input": True} if v.input else {})
                for name, v in sorted(self.state.variables.items())
            },
            "nodes": self.state.nodes,
            "ui": {"start": _position(trigger)},
        }
        return Imported(document, self.report)

    def _start(self, trigger: Widget) -> tuple[str, str]:
        for event, channel in _CHANNELS.items():
            target = trigger.exits.get(event)
            if target:
                messaging = [
                    e
                    for e in ("incomingMessage", "incomingConversationMessage")
                    if trigger.exits.get(e)
                ]
                if messaging and channel == "voice":
                    self.report.note(
                        trigger.name,
                        "info",
                        "the flow also answers messages; only what a call does came over "
                        f"(Trigger: {', '.join(messaging)} left out)",
                    )
                    return target, "mixed"
                if channel != "voice" and not any(
                    w.type in VOICE for w in self.state.widgets.values()
                ):
                    break  # a REST- or parent-started flow that only sends messages
                return target, channel
        raise StudioImportError(
            f"{self.source}: a messaging-only flow (its Trigger starts no call, and no widget "
            "of it speaks to a caller): this runtime answers calls, so there is nothing to "
            "import"
        )

    def _find_speech_read(self) -> None:
        """The gathers whose SpeechResult is read somewhere (known before any is converted: the
        gather keeps what was said only then)."""
        blob = json.dumps(self.definition)
        for w in self.state.widgets.values():
            if w.type == "gather-input-on-call":
                name = re.escape(w.name)
                if re.search(rf"widgets(\.{name}|\[\\?[\"']{name}\\?[\"']\])\.SpeechResult", blob):
                    self.state.speech_read.add(w.id)

    def _languages(self) -> list[str]:
        seen: list[str] = []
        for widget in self.state.widgets.values():
            if widget.type in ("say-play", "gather-input-on-call") and self._spoken(widget):
                lang = _language(widget)
                if lang not in seen:
                    seen.append(lang)
        return seen or [DEFAULT_LANGUAGE]

    def _spoken(self, widget: Widget) -> bool:
        return bool(widget.text("say") or widget.text("play"))

    # -- widget by widget --------------------------------------------------------------------

    def _convert(self, w: Widget) -> None:
        make: dict[str, Callable[[Widget], None]] = {
            "say-play": self._say_play,
            "gather-input-on-call": self._gather,
            "split-based-on": self._split,
            "set-variables": self._set_variables,
            "make-http-request": self._http,
            "run-function": self._function,
            "connect-call-to": self._connect,
            "enqueue-call": self._enqueue,
            "send-to-flex": self._flex,
            "record-voicemail": self._voicemail,
            "send-message": self._message,
            "send-and-wait-for-reply": self._message_and_wait,
        }
        convert = make.get(w.type, self._marked)
        convert(w)

    def _node(
        self,
        w: Widget,
        node_id: str,
        body: dict[str, object],
        *,
        dx: int = 0,
        dy: int = 0,
        how: str = "mapped",
    ) -> None:
        body.setdefault("title", w.name)
        ui = {**_position(w, dx, dy), "studio": {"name": w.name, "type": w.type}}
        self.state.nodes[node_id] = {**body, "ui": ui}
        if node_id == w.id:
            self.report.widgets.append(WidgetLine(w.name, w.type, node_id, str(body["type"]), how))

    def _to(self, target: str | None) -> str:
        """Our node for a Studio transition's next widget (None: the flow ends)."""
        if target is None:
            return self._end()
        return self.state.widgets[target].id

    def _end(self) -> str:
        if self.state.end is None:
            self.state.end = unique("end", self.state.taken)
            self.state.nodes[self.state.end] = {
                "type": "hangup",
                "ui": self._below_all(),
                "title": "End of the Studio flow",
                "description": "Where Studio's transitions without a next widget went: the "
                "execution ended, and the call with it.",
                "reason": "flow-ended",
            }
        return self.state.end

    def _below_all(self) -> dict[str, object]:
        """A place under every widget of the Studio canvas, for the steps Studio did not draw."""
        ys = [_position(w).get("y") for w in self.state.widgets.values()]
        xs = [_position(w).get("x") for w in self.state.widgets.values()]
        y = max((v for v in ys if isinstance(v, float)), default=0.0)
        x = min((v for v in xs if isinstance(v, float)), default=0.0)
        return {"x": x, "y": y + 300}

    def _note(self, w: Widget, severity: str, message: str) -> None:
        self.report.note(w.name, severity, message)

    def _template(self, w: Widget, source: str, *, url: bool = False) -> str:
        translated = liquid.template(_placeholders(self, w, source, url=url), self._resolve)
        for problem in translated.problems:
            self._note(w, "warning", problem)
        return translated.text

    def _expression(self, w: Widget, source: str) -> str:
        translated = liquid.expression(_placeholders(self, w, source), self._resolve)
        for problem in translated.problems:
            self._note(w, "warning", problem)
        return translated.text

    def _prompt(self, w: Widget) -> dict[str, object]:
        lang = _language(w)
        self.spoken[w.id] = lang
        say, play = w.text("say"), w.text("play")
        prompt: dict[str, object] = {}
        if play:
            audio = ident(urlsplit(play).path.rsplit("/", 1)[-1].rsplit(".", 1)[0] or w.name)
            prompt["audio"] = audio.lower()
            self._note(
                w,
                "attention",
                f"plays the audio at {play}: add it to the prompt catalog as prompt "
                f"'{audio.lower()}' (until then callers hear its text)",
            )
            text = say or f"[recording {audio.lower()}]"
            prompt["text"] = {lang: self._template(w, text) if say else text}
        else:
            prompt["text"] = {lang: self._template(w, say)}
        voice = w.text("voice")
        if voice and voice not in ("alice", "man", "woman", "default"):
            self._note(
                w, "info", f"spoke with the voice '{voice}': set it in [tool.sce.runtime] voices"
            )
        return prompt

    def _say_play(self, w: Widget) -> None:
        if not self._spoken(w):
            if w.text("digits"):
                self._note(
                    w, "warning", f"played the keys '{w.text('digits')}' (DTMF): not done here"
                )
            self._marked(w, what="plays nothing we can play", follow="audioComplete")
            return
        loop = int(w.number("loop") or 1)  # Studio: 1 to 99
        body: dict[str, object] = {"type": "play", "prompt": self._prompt(w)}
        if loop > 1:
            body["loop"] = min(loop, 99)
        body["next"] = self._to(w.exits.get("audioComplete"))
        self._node(w, w.id, body)

    def _gather(self, w: Widget) -> None:
        digits = f"{w.id}_digits"[:64]
        self.state.variables.setdefault(digits, _Variable())
        body: dict[str, object] = {
            "type": "collect",
            "prompt": self._prompt(w) if self._spoken(w) else {"text": {_language(w): ""}},
            "variable": digits,
            "retries": 0,
        }
        count = w.number("number_of_digits")
        if count:
            body["max_digits"] = int(count)
        # Studio stops on the finish key only when told to stop on a keypress (its default).
        finish = (
            w.text("finish_on_key") if w.prop("stop_gather", True) not in (False, "false") else ""
        )
        body["terminator"] = finish[:1] if finish else None
        body["timeout"] = w.number("timeout") or 5  # Studio's default
        keypress, speech = w.exits.get("keypress"), w.exits.get("speech")
        hears_speech = speech is not None
        body["speech"] = hears_speech
        if w.text("hints"):
            self._note(w, "info", f"speech hints '{w.text('hints')}' are not used by a collect")
        after = self._to(keypress)
        if hears_speech and (speech != keypress or w.id in self.state.speech_read):
            after = unique(f"{w.id}__heard", self.state.taken)
            self._node(
                w,
                after,
                {
                    "type": "branch",
                    "title": f"{w.name}: keys or speech?",
                    "cases": [{"when": "last_speech != ''", "next": self._speech_next(w, speech)}],
                    "default": self._to(keypress),
                },
                dx=40,
                dy=170,
            )
        body["next"] = after
        if w.exits.get("timeout") == w.name:
            # Asking again on silence, for ever: Studio stops an execution after the same widget
            # ran 10 times in a row, which ends the call; a collect's retries say the same.
            body["retries"] = 9
            body["exhausted"] = self._end()
            self._note(
                w,
                "info",
                "asked again on silence: here 10 times at most, then the call "
                "ends, as Studio ends an execution that runs a widget 10 times in a row",
            )
        else:
            body["exhausted"] = self._to(w.exits.get("timeout"))
        self._node(w, w.id, body)

    def _speech_next(self, w: Widget, speech: str | None) -> str:
        if w.id not in self.state.speech_read:
            return self._to(speech)
        saved = unique(f"{w.id}__speech", self.state.taken)
        self._node(
            w,
            saved,
            {
                "type": "set",
                "title": f"{w.name}: what was said",
                "assign": {f"{w.id}_speech"[:64]: "last_speech"},
                "next": self._to(speech),
            },
            dx=260,
            dy=300,
        )
        return saved

    def _split(self, w: Widget) -> None:
        default_input = w.text("input")
        cases: list[dict[str, object]] = []
        for match in w.matches:
            conditions = match.get("conditions") or []
            if not isinstance(conditions, list) or not conditions:
                self._note(w, "warning", "a match transition without a condition was left out")
                continue
            tests = []
            for condition in conditions:
                if not isinstance(condition, dict):
                    continue
                arguments = condition.get("arguments") or [default_input]
                subject = self._expression(w, str(arguments[0]) if arguments else default_input)
                tests.append(self._condition(w, subject, condition))
            when = self._plainer(" and ".join(f"({t})" if len(tests) > 1 else t for t in tests))
            nxt = match.get("next")
            cases.append({"when": when, "next": self._to(nxt if isinstance(nxt, str) else None)})
        body: dict[str, object] = {
            "type": "branch",
            "cases": cases,
            "default": self._to(w.exits.get("noMatch")),
        }
        self._node(w, w.id, body)

    def _plainer(self, expression: str) -> str:
        """`text(x)` as `x` where x is known to hold text, for a person reading the branch."""

        def plain(m: re.Match[str]) -> str:
            name = m.group(1)
            known = self.state.variables.get(name)
            is_text = (known is not None and known.type == "string") or name in BUILTIN_TEXTS
            return name if is_text else m.group(0)

        return re.sub(r"\btext\(([A-Za-z_]\w*)\)", plain, expression)

    def _condition(self, w: Widget, subject: str, condition: dict[str, object]) -> str:
        kind = str(condition.get("type"))
        raw = condition.get("value")
        value = "" if raw is None else str(raw)
        translated = conditions.get(kind)
        if kind == "regex" and "{{" not in value:
            try:
                compile_pattern(value)
            except PatternError as e:
                self._note(
                    w,
                    "attention",
                    f"the regex '{value}' cannot run here ({e.message}): "
                    "this condition never matches until it is rewritten",
                )
                return "false"
        if translated is None:
            self._note(
                w, "warning", f"the condition '{kind}' has no equivalent: it never matches here"
            )
            return "false"
        keys = keyed(subject, value) if subject.endswith("_digits") else None
        if keys is not None and kind in ("equal_to", "not_equal_to", "matches_any_of"):
            # Keys pressed have no case and no spaces: the plain comparison says the same.
            op = {"equal_to": "==", "not_equal_to": "!="}.get(kind)
            return f"{subject} {op} {quote(keys[0])}" if op else f"{subject} in {keys}"
        return translated(subject, self._value(w, value))

    def _value(self, w: Widget, value: str) -> str:
        """A condition's value: text, or an expression when it holds Liquid."""
        return self._expression(w, value) if "{{" in value or "{%" in value else quote(value)

    def _set_variables(self, w: Widget) -> None:
        assign: dict[str, str] = {}
        items = w.prop("variables") or []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or not item.get("key"):
                continue
            name = variable(str(item["key"]))
            self.state.variables.setdefault(name, _Variable())
            value = str(item.get("value") if item.get("value") is not None else "")
            assign[name] = self._expression(w, value)
        body: dict[str, object] = {
            "type": "set",
            "assign": assign,
            "next": self._to(w.exits.get("next")),
        }
        self._node(w, w.id, body)

    def _http(self, w: Widget) -> None:
        method = w.text("method").upper() or "GET"
        url = self._template(w, w.text("url"), url=True)
        params = self._parameters(w)
        body: dict[str, object] = {"type": "http", "method": method}
        kind = w.text("content_type")
        if method == "GET" and params:
            url += ("&" if "?" in url else "?") + "&".join(f"{k}={v}" for k, v in params.items())
            self._note(w, "info", "its parameters go in the query string, as Studio sends them")
        elif params:
            body["body"] = params
            if "json" not in kind:
                self._note(
                    w,
                    "attention",
                    f"Studio sent its parameters as {kind or 'a form'}; "
                    "here they are sent as a JSON object: check the system accepts it",
                )
        elif w.text("body"):
            body["body"] = self._json_body(w, w.text("body"))
        body["url"] = url
        body["timeout"] = STUDIO_HTTP_SECONDS
        if w.prop("add_twilio_auth") in (True, "true"):
            self._note(
                w,
                "attention",
                "Studio signed this request with the account's "
                "credentials (add_twilio_auth): add the header it needs",
            )
        body["next"] = self._to(w.exits.get("success"))
        body["error"] = self._to(w.exits.get("failed"))
        self._node(w, w.id, body)

    def _function(self, w: Widget) -> None:
        params = self._parameters(w)
        body: dict[str, object] = {
            "type": "http",
            "method": "POST",
            "url": self._template(w, w.text("url"), url=True),
            "description": "Runs a Twilio Function"
            + (
                f" ({w.text('function_sid')} in service {w.text('service_sid')})"
                if w.text("function_sid")
                else ""
            )
            + ": its code is not in the export; it receives the parameters and its JSON "
            "reply is read as before.",
        }
        if params:
            body["body"] = params
        body["timeout"] = STUDIO_HTTP_SECONDS
        body["next"] = self._to(w.exits.get("success"))
        body["error"] = self._to(w.exits.get("fail"))
        self._note(
            w,
            "attention",
            f"runs the Twilio Function at {w.text('url') or '(no URL)'}; "
            "it must stay reachable from this runtime, or be rewritten as a service",
        )
        self._node(w, w.id, body)

    def _parameters(self, w: Widget) -> dict[str, str]:
        found: dict[str, str] = {}
        items = w.prop("parameters") or []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("key"):
                found[str(item["key"])] = self._template(w, str(item.get("value") or ""))
        return found

    def _json_body(self, w: Widget, text: str) -> dict[str, str]:
        parsed = _json_with_liquid(text)
        if parsed is None:
            self._note(
                w,
                "attention",
                "its body is not a JSON object of values; it was sent "
                "as the field 'body': check what the system expects",
            )
            return {"body": self._template(w, text)}
        return {k: self._template(w, v) for k, v in parsed.items()}

    def _connect(self, w: Widget) -> None:
        noun = w.text("noun") or "number"
        to = self._template(w, w.text("to"))
        if noun == "number-multi" and "," in to:
            to = to.split(",", 1)[0].strip()
            self._note(
                w,
                "attention",
                f"rang several numbers at once ({w.text('to')}): here the first is dialled",
            )
            noun = "number"
        if noun == "sip" and not to.startswith("sip:"):
            to = "sip:" + to
        elif noun not in ("number", "sip"):
            self._note(
                w,
                "attention",
                f"connected the call to a {noun} ({w.text('to')}): it "
                "is dialled here as a number; check the target",
            )
        body: dict[str, object] = {"type": "transfer", "number": to}
        completed = w.exits.get("callCompleted")
        body["failure"] = self._to(completed)
        if w.text("caller_id"):
            self._note(w, "info", "caller id for the transfer comes from the runtime's settings")
        if completed is not None:
            self._note(
                w,
                "info",
                f"after the transferred call, Studio went on to '{completed}'; "
                "here that is where a failed transfer goes",
            )
        self._node(w, w.id, body)

    def _enqueue(self, w: Widget) -> None:
        queue = w.text("queue_name") or w.text("workflow_sid") or "default"
        body: dict[str, object] = {"type": "transfer", "queue": self._plain(queue)}
        attach = _json_with_liquid(w.text("task_attributes")) if w.text("task_attributes") else {}
        if attach:
            body["attach"] = {ident(k): self._template(w, v) for k, v in attach.items()}
        if w.text("priority"):
            body["priority"] = self._priority(w, w.text("priority"))
        body["failure"] = self._to(w.exits.get("failedToEnqueue") or w.exits.get("callFailure"))
        self._node(w, w.id, body)

    def _flex(self, w: Widget) -> None:
        workflow = w.text("workflow")
        body: dict[str, object] = {"type": "transfer", "queue": self._plain(workflow or "flex")}
        attributes = w.text("attributes")
        parsed = _json_with_liquid(attributes) if attributes else {}
        if parsed is None:
            self._note(w, "warning", "its task attributes are not a JSON object: left out")
        elif parsed:
            body["attach"] = {ident(k): self._template(w, v) for k, v in parsed.items()}
        if w.text("priority"):
            body["priority"] = self._priority(w, w.text("priority"))
        timeout = w.number("timeout")
        if timeout:
            body["max_wait"] = timeout
        if w.text("waitUrl"):
            self._note(
                w,
                "attention",
                f"callers waited with the TwiML at {w.text('waitUrl')}: "
                "here they hear the queue's hold music",
            )
        self._note(
            w,
            "info",
            f"sent to Flex workflow {workflow or '(none)'}: here the queue of "
            "that name (set twilio-workflow-sid to route it through TaskRouter)",
        )
        body["failure"] = self._to(w.exits.get("failedToEnqueue") or w.exits.get("callFailure"))
        self._node(w, w.id, body)

    def _priority(self, w: Widget, text: str) -> str:
        if text.strip().isdigit():
            return text.strip()
        return f"number(default({self._expression(w, text)}, '0'))"

    def _plain(self, text: str) -> str:
        """A queue name: Liquid or Terraform placeholders kept readable."""
        return (
            _PLACEHOLDER.sub(lambda m: ident(m.group(1)).lower(), text)
            .replace("{", "")
            .replace("}", "")
        )

    def _voicemail(self, w: Widget) -> None:
        url_var = f"{w.id}_recording_url"[:64]
        self.state.variables.setdefault(url_var, _Variable())
        body: dict[str, object] = {"type": "record", "variable": url_var}
        body["max_length"] = w.number("max_length") or 3600  # Studio's defaults
        body["silence_timeout"] = w.number("timeout") or 5
        if str(w.prop("play_beep", "true")).lower() == "false":
            body["beep"] = False
        finish = w.text("finish_on_key")
        body["finish_key"] = finish[:1] if finish else None
        if str(w.prop("transcribe", "")).lower() == "true":
            body["transcribe"] = True
        body["next"] = self._to(w.exits.get("recordingComplete"))
        body["no_audio"] = self._to(w.exits.get("noAudio"))
        if w.exits.get("hangup"):
            self._note(
                w,
                "info",
                f"a caller who hung up went on to '{w.exits['hangup']}' in "
                "Studio; here the call ends with the recording kept",
            )
        self._node(w, w.id, body)

    def _message(self, w: Widget) -> None:
        body: dict[str, object] = {
            "type": "sms",
            "to": self._template(w, w.text("to")) if w.text("to") else "{caller}",
            "message": {self.languages[0]: self._template(w, w.text("body"))},
            "next": self._to(w.exits.get("sent")),
            "error": self._to(w.exits.get("failed")),
        }
        self._node(w, w.id, body)

    def _message_and_wait(self, w: Widget) -> None:
        body: dict[str, object] = {
            "type": "sms",
            "to": "{caller}",
            "message": {self.languages[0]: self._template(w, w.text("body"))},
            "next": self._to(w.exits.get("timeout")),
            "error": self._to(w.exits.get("deliveryFailure") or w.exits.get("timeout")),
            "description": "Studio sent this and waited for a text message in reply; a call "
            "cannot wait for one, so the message is sent and the flow goes on as on no reply.",
        }
        self._note(
            w,
            "attention",
            "waited for a text reply during the call: here the message "
            "is sent and the flow goes on as if no reply came",
        )
        self._node(w, w.id, body, how="approximated")

    def _marked(self, w: Widget, *, what: str | None = None, follow: str | None = None) -> None:
        did, default_exit = MARKED.get(w.type, ("does something this runtime cannot do", "next"))
        did = what or did
        exit_name = follow or default_exit
        if exit_name not in w.exits:
            exit_name = next(iter(w.exits), exit_name)
        body: dict[str, object] = {
            "type": "set",
            "description": f"NOT IMPORTED: the Studio widget '{w.name}' ({w.type}) {did}. "
            f"This step does nothing and goes on as on '{exit_name}'; rebuild it before going "
            "live.",
            "assign": {},
            "next": self._to(w.exits.get(exit_name)),
        }
        self._note(
            w,
            "attention",
            f"{w.type} {did}: kept as a marked step that goes on as on '{exit_name}'",
        )
        self._node(w, w.id, body, how="marked")

    def _constant_hosts(self) -> None:
        """A URL whose host comes from a flow variable that the flow only ever sets to one text
        (Studio flows keep a service's domain so) gets that text written in: the linter can then
        check the host, and the runtime never builds a host at run time."""
        values: dict[str, set[str]] = {}
        for node in self.state.nodes.values():
            assign = node.get("assign")
            for name, expr in assign.items() if isinstance(assign, dict) else []:
                values.setdefault(name, set()).add(str(expr))
        constant = {
            name: unquote(next(iter(found)))
            for name, found in values.items()
            if len(found) == 1
            and re.fullmatch(r"'[A-Za-z0-9.:-]*'", next(iter(found)))
            and not self.state.variables.get(name, _Variable()).input
        }
        for node in self.state.nodes.values():
            url = node.get("url")
            if node.get("type") != "http" or not isinstance(url, str):
                continue
            head, sep, rest = url.partition("://")
            host, slash, path = rest.partition("/")
            host = re.sub(
                r"\{([A-Za-z_]\w*)\}", lambda m: constant.get(m.group(1), m.group(0)), host
            )
            node["url"] = head + sep + host + slash + path

    # -- languages -----------------------------------------------------------------------

    def _switch_languages(self, start: str) -> str:
        """Studio speaks each widget in its own language; here the call has one at a time. So a
        `language` step goes before each prompt that a call may reach in another language (found
        by following the flow from its start), and each prompt's text stands in for the flow's
        other languages, which the linter asks for but no caller hears. Returns the start."""
        nodes = self.state.nodes
        default = self.languages[0]
        arriving: dict[str, set[str]] = {start: {default}}
        todo = [start]
        while todo:
            node_id = todo.pop()
            out = {self.spoken[node_id]} if node_id in self.spoken else arriving[node_id]
            for target in _targets(nodes.get(node_id, {})):
                seen = arriving.setdefault(target, set())
                if not out <= seen:
                    seen |= out
                    todo.append(target)
        switch: dict[str, str] = {}
        for node_id, lang in self.spoken.items():
            if node_id in arriving and arriving[node_id] != {lang}:
                switch[node_id] = unique(f"{node_id}__{ident(lang).lower()}", self.state.taken)
        for node in list(nodes.values()):
            _retarget(node, switch)
        for node_id, switch_id in switch.items():
            node = nodes[node_id]
            ui = node["ui"] if isinstance(node.get("ui"), dict) else {}
            assert isinstance(ui, dict)
            nodes[switch_id] = {
                "type": "language",
                "title": f"Speak {self.spoken[node_id]}",
                "language": self.spoken[node_id],
                "next": node_id,
                "ui": {
                    k: v - 110 if k == "y" and isinstance(v, float) else v
                    for k, v in ui.items()
                    if k in ("x", "y")
                },
            }
        for node in nodes.values():
            prompt = node.get("prompt")
            if isinstance(prompt, dict) and isinstance(prompt.get("text"), dict):
                text = prompt["text"]
                said = next(iter(text.values()), "")
                prompt["text"] = {lang: text.get(lang, said) for lang in self.languages}
            message = node.get("message")
            if isinstance(message, dict):
                said = next(iter(message.values()), "")
                node["message"] = {lang: message.get(lang, said) for lang in self.languages}
        if switch:
            self.report.note(
                "",
                "info",
                f"speaks {', '.join(self.languages)}: {len(switch)} "
                "language steps switch the call's language where Studio's widgets did",
            )
        return switch.get(start, start)

    # -- Liquid values -------------------------------------------------------------------

    def _resolve(self, path: tuple[str, ...]) -> str | None:
        if len(path) >= 3 and path[0] == "widgets" and path[1] in self.state.widgets:
            return self._widget_value(self.state.widgets[path[1]], path[2:])
        if len(path) == 3 and path[:2] == ("flow", "variables"):
            name = variable(path[2])
            self.state.variables.setdefault(name, _Variable())
            return name
        if (
            len(path) == 3
            and path[:2] == ("flow", "data")
            or (len(path) == 4 and path[:3] == ("trigger", "parent", "parameters"))
        ):
            name = ident(f"data_{path[-1]}")
            self.state.variables.setdefault(name, _Variable(input=True))
            return name
        return _TRIGGER.get(path)

    def _widget_value(self, w: Widget, rest: tuple[str, ...]) -> str | None:
        field = rest[0]
        if w.type == "gather-input-on-call":
            if field == "Digits":
                return f"{w.id}_digits"[:64]
            if field == "SpeechResult":
                self.state.speech_read.add(w.id)
                name = f"{w.id}_speech"[:64]
                self.state.variables.setdefault(name, _Variable())
                return name
        if w.type in ("make-http-request", "run-function"):
            if field == "parsed" and len(rest) > 1:
                name = ident("_".join([w.id, *(snake(p) for p in rest[1:])]))
                pointer = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in rest[1:])
            elif field == "body":
                name, pointer = f"{w.id}_body"[:64], ""
            else:
                return None
            self.state.saves.setdefault(w.id, {})[name] = pointer
            self.state.variables.setdefault(name, _Variable(type="any"))
            return name
        if w.type == "record-voicemail" and field == "RecordingUrl":
            return f"{w.id}_recording_url"[:64]
        if w.type == "set-variables":
            return variable(field)
        return None

    def _finish_saves(self) -> None:
        for node_id, save in self.state.saves.items():
            node = self.state.nodes.get(node_id)
            if node is not None and node.get("type") == "http":
                node["save"] = dict(sorted(save.items()))
        for name in list(self.state.variables):
            if not _NAME.fullmatch(name):
                del self.state.variables[name]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_EXITS = ("next", "error", "exhausted", "no_audio", "failure", "default", "leave")


def _targets(node: dict[str, object]) -> list[str]:
    found = [v for k in _EXITS if isinstance(v := node.get(k), str)]
    for key in ("cases", "choices"):
        items = node.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("next"), str):
                found.append(item["next"])
    return found


def _retarget(node: dict[str, object], moved: dict[str, str]) -> None:
    for key in _EXITS:
        value = node.get(key)
        if isinstance(value, str) and value in moved:
            node[key] = moved[value]
    for key in ("cases", "choices"):
        items = node.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("next") in moved:
                item["next"] = moved[item["next"]]


#: `trigger.call.*` and the channel's address, as our builtins.
_TRIGGER: dict[tuple[str, ...], str] = {
    ("trigger", "call", "From"): "caller",
    ("trigger", "call", "To"): "called",
    ("trigger", "call", "CallSid"): "call_id",
    ("flow", "channel", "address"): "caller",
    ("contact", "channel", "address"): "caller",
}


_LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*")


def _language(w: Widget) -> str:
    lang = w.text("language") or DEFAULT_LANGUAGE
    if lang == "en" or not _LANGUAGE.fullmatch(lang):  # Studio's "en", or a placeholder
        return DEFAULT_LANGUAGE
    return lang


def _position(w: Widget, dx: int = 0, dy: int = 0) -> dict[str, object]:
    offset = w.properties.get("offset")
    if isinstance(offset, dict):
        try:
            return {"x": float(offset.get("x", 0)) + dx, "y": float(offset.get("y", 0)) + dy}
        except (TypeError, ValueError):
            pass
    return {}


def _placeholders(conv: _Converter, w: Widget, text: str, *, url: bool = False) -> str:
    """Terraform `${NAME}` placeholders (kept verbatim in many exports) made visible names; in a
    URL, a host under `.invalid` (a name that never resolves) until a person sets the value."""

    def name(m: re.Match[str]) -> str:
        conv._note(
            w,
            "attention",
            f"holds the deployment placeholder ${{{m.group(1)}}}: replace it with its value",
        )
        found = ident(m.group(1)).lower().replace("_", "-") or "placeholder"
        return f"{found}.invalid" if url else found

    replaced = _PLACEHOLDER.sub(name, text)
    if url and replaced and not re.match(r"(?i)https?://", replaced) and replaced != text:
        replaced = "https://" + replaced
    return replaced


def _json_with_liquid(text: str) -> dict[str, str] | None:
    """A JSON object whose values may hold Liquid, as key → text; None when it is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
