"""Small flows for the runtime tests, built as JSON data (what the designer saves)."""

from __future__ import annotations

import json
from pathlib import Path

from sce.build import build
from sce.compiler import CompiledFlow
from sce.loader import LoadedFlow, load_data


def greeting(text: str = "Hello", flow: str = "hello") -> dict[str, object]:
    """A menu whose prompt says `text`: press 1 to hear it said back, 0 to hang up."""
    return {
        "flow": flow,
        "languages": ["en-US"],
        "start": "main",
        "nodes": {
            "main": {
                "type": "menu",
                "prompt": {"text": {"en-US": f"{text}. Press 1 or 0."}},
                "choices": [{"key": "1", "next": "echo"}, {"key": "0", "next": "bye"}],
                "exhausted": "bye",
            },
            "echo": {
                "type": "play",
                "prompt": {"text": {"en-US": f"{text} again."}},
                "next": "main",
            },
            "bye": {"type": "hangup", "prompt": {"text": {"en-US": f"{text}, goodbye."}}},
        },
    }


def broken(flow: str = "hello") -> dict[str, object]:
    """A flow whose start names no node: refused by every deploy."""
    data = greeting(flow=flow)
    data["start"] = "nowhere"
    return data


def loaded(data: dict[str, object]) -> LoadedFlow:
    return load_data(data)


def compiled(data: dict[str, object]) -> CompiledFlow:
    result = build(load_data(data))
    assert result.compiled is not None, result.diagnostics
    return result.compiled


def write(path: Path, data: dict[str, object]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
