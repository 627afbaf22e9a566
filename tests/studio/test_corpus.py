"""Real Twilio Studio flows brought over: every voice and mixed flow imports, lints with no
errors, compiles, and a call generated from the imported flow (tests/studio/paths.py, with the
business systems of tests/studio/replies.py) reaches a hangup, a transfer or a voicemail through
its menus; messaging-only flows are refused, saying so.

The flows whose licence allows it are in tests/data/twilio-studio (see its README) and run from
any clone; the rest of the corpus is tried where the team's workspace has it beside the
repository, and the test says so when it is not there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sce.errors import StudioImportError
from sce.lint import Settings
from sce.loader import load_path
from sce.studio.files import import_text
from tests.studio.paths import Reached, reach_an_end
from tests.studio.replies import WORLDS, asks, stubs_for

DATA = Path(__file__).parents[1] / "data" / "twilio-studio"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "twilio-studio"
MESSAGING = {"messaging"}


def channel_of(path: Path) -> str:
    """The channel the corpus's manifest gives a file (voice, mixed, messaging)."""
    manifest = CORPUS / "MANIFEST.md"
    if manifest.is_file():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if f"`{path.name}`" in line:
                cell = line.split("|")[7].strip()
                return cell.split(" ")[0]
    definition = json.loads(path.read_text(encoding="utf-8"))
    trigger = next(s for s in definition["states"] if s["type"] == "trigger")
    nexts = {t["event"]: t.get("next") for t in trigger["transitions"]}
    voice = any(s["type"] in ("say-play", "gather-input-on-call") for s in definition["states"])
    return "voice" if nexts.get("incomingCall") or voice else "messaging"


def check(path: Path, tmp_path: Path) -> str:
    """Import, lint, compile and call one flow; what it came to (for the failure message)."""
    text = path.read_text(encoding="utf-8")
    if channel_of(path) in MESSAGING:
        with pytest.raises(StudioImportError, match="messaging-only"):
            import_text(text, source=path.name)
        return "refused"
    result = import_text(text, source=path.name)
    hosts = tuple(result.imported.report.hosts)
    relinted = import_text(text, source=path.name, settings=Settings(http_allow=hosts or None))
    assert relinted.errors == [], [f"{d.code} {d.pointer} {d.message}" for d in relinted.errors]
    flow_file = tmp_path / f"{result.flow_id}.json"
    flow_file.write_text(result.text("json"), encoding="utf-8")
    reached = through_its_menus(flow_file)
    assert reached.end in ("hangup", "transfer", "voicemail")
    return reached.end


def through_its_menus(flow_file: Path) -> Reached:
    """A generated call to an end, through one of the flow's menus when it has any, in the first
    world of business-system answers that has one."""
    flow = load_path(flow_file).flow
    assert flow is not None
    failures = []
    for world in WORLDS:
        try:
            reached = reach_an_end(flow_file, http=stubs_for(flow, world), max_steps=12)
        except AssertionError as e:
            failures.append(str(e))
            continue
        if reached.steps or not asks(flow):
            return reached
        failures.append(f"world {world}: an end without a menu ({' > '.join(reached.path)})")
    raise AssertionError("\n".join(failures[:3]))


@pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda p: p.stem)
def test_the_flows_kept_in_the_repository(path: Path, tmp_path: Path) -> None:
    check(path, tmp_path)


def _corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


@pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"no Twilio Studio corpus at {CORPUS}: the flows whose licence keeps them out of the "
    "repository are tried only in the team's workspace",
)
@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.stem)
def test_the_whole_corpus(path: Path, tmp_path: Path) -> None:
    check(path, tmp_path)
