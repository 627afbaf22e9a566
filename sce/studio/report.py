"""What an import did, widget by widget: for the person who moves a flow off Twilio Studio and
must trust the result. Every widget is listed under its exact Studio name with the node it
became; every approximation is a warning, and whatever needs a person (an audio file to upload,
a Function to keep reachable, a marked step to rebuild) is listed as attention."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: How a widget came over.
HOW = ("mapped", "approximated", "marked")
SEVERITIES = ("info", "warning", "attention")


@dataclass(frozen=True)
class WidgetLine:
    studio_name: str
    studio_type: str
    node: str
    node_type: str
    how: str = "mapped"


@dataclass(frozen=True)
class Note:
    widget: str
    severity: str
    message: str


@dataclass
class Report:
    source: str
    flow: str
    #: "voice", "mixed" (calls and messages: the call side came over), "subflow", "rest".
    channel: str = "voice"
    widgets: list[WidgetLine] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    #: Hosts the flow's http nodes call (for `http-allow`).
    hosts: list[str] = field(default_factory=list)

    def note(self, widget: str, severity: str, message: str) -> None:
        found = Note(widget, severity, message)
        if found not in self.notes:
            self.notes.append(found)

    def of(self, severity: str) -> list[Note]:
        return [n for n in self.notes if n.severity == severity]

    @property
    def clean(self) -> bool:
        """Nothing approximated and nothing for a person to do."""
        return not self.of("warning") and not self.of("attention")

    def to_data(self) -> dict[str, object]:
        return {
            "source": self.source,
            "flow": self.flow,
            "channel": self.channel,
            "clean": self.clean,
            "counts": {how: sum(w.how == how for w in self.widgets) for how in HOW},
            "widgets": [asdict(w) for w in self.widgets],
            "warnings": [asdict(n) for n in self.of("warning")],
            "attention": [asdict(n) for n in self.of("attention")],
            "info": [asdict(n) for n in self.of("info")],
            "hosts": self.hosts,
        }

    def to_text(self) -> str:
        counts = ", ".join(f"{sum(w.how == how for w in self.widgets)} {how}" for how in HOW)
        lines = [
            f"{self.source} -> {self.flow} ({self.channel}): {len(self.widgets)} widgets, {counts}"
        ]
        for w in self.widgets:
            lines.append(
                f"  {w.studio_name} ({w.studio_type}) -> {w.node} ({w.node_type}){'' if w.how == 'mapped' else ', ' + w.how}"
            )
        for severity in ("attention", "warning", "info"):
            for n in self.of(severity):
                lines.append(f"  {severity}: {n.widget}: {n.message}")
        if self.hosts:
            lines.append(f"  http-allow needs: {', '.join(self.hosts)}")
        return "\n".join(lines)
