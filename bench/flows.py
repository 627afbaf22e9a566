"""Flows and event streams shared by the runtime benchmarks (bench/engine.py, bench/reload.py).

The flow is menu-heavy on purpose: a caller moving from menu to menu is the engine's most common
step (read a key, leave a menu, enter the next: a trace, a prompt and a gather), so it is the step
whose speed decides how many calls one process can serve. Every menu has three keys to other
menus, a key for an agent and the usual retry handling, with prompts in two languages, and the
flow is lint-clean of errors, so it deploys like a flow an analyst would draw.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sce.compiler import CompiledFlow, compile_flow  # noqa: E402
from sce.loader import load_data  # noqa: E402

LANGUAGES = ("en-US", "zh-CN")
#: Keys that lead from a menu to another menu, and where (as steps forward in the menu ring).
MENU_KEYS = {"1": 1, "2": 7, "3": 13}
TOPICS = ("balance", "payments", "cards", "loans", "travel", "insurance", "savings", "rewards")


def menu_id(i: int) -> str:
    return f"menu_{i:02d}"


def _text(en: str, zh: str) -> dict[str, object]:
    return {"text": {"en-US": en, "zh-CN": zh}}


def _menu(i: int, menus: int, variant: int) -> dict[str, object]:
    choices = []
    spoken_en, spoken_zh = [], []
    for key, ahead in MENU_KEYS.items():
        j = (i + ahead) % menus
        topic = TOPICS[j % len(TOPICS)]
        choices.append({"key": key, "label": f"{topic} {j}", "next": menu_id(j)})
        spoken_en.append(f"for {topic} {j} press {key}")
        spoken_zh.append(f"{topic} {j}请按{key}")
    choices.append({"key": "0", "label": "agent", "next": "agent"})
    edition = f" (edition {variant})" if variant else ""
    return {
        "type": "menu",
        "prompt": _text(
            f"Menu {i}{edition}: " + ", ".join(spoken_en) + ", for an agent press 0.",
            f"菜单{i}{edition}：" + "，".join(spoken_zh) + "，人工服务请按0。",
        ),
        "choices": choices,
        "timeout": 5,
        "retries": 2,
        "repeat_key": "9",
        "no_input": _text("I did not hear a key.", "没有听到按键。"),
        "no_match": _text("That key is not a choice.", "没有这个选项。"),
        "exhausted": "agent",
    }


def menu_flow(menus: int = 20, *, variant: int = 0, flow_id: str = "menus") -> dict[str, object]:
    """A flow of `menus` menus in a ring (keys 1-3 to other menus, 0 to an agent) as JSON data.
    A different `variant` changes every prompt, so the compiled flow is a new version."""
    nodes: dict[str, object] = {menu_id(i): _menu(i, menus, variant) for i in range(menus)}
    nodes["agent"] = {
        "type": "transfer",
        "queue": "general",
        "attach": {"summary": "{summary}"},
        "failure": "bye",
    }
    nodes["bye"] = {"type": "hangup", "prompt": _text("Goodbye.", "再见。")}
    return {
        "flow": flow_id,
        "title": f"{menus} menus in a ring",
        "languages": list(LANGUAGES),
        "start": menu_id(0),
        "variables": {},
        "nodes": nodes,
    }


def compile_data(data: dict[str, object]) -> CompiledFlow:
    """Load and compile flow data (no lint: the benchmarks' flows are known to be sound)."""
    loaded = load_data(data, "bench.json")
    if loaded.flow is None:
        raise ValueError(f"the benchmark flow does not load: {loaded.diagnostics[:3]}")
    return compile_flow(loaded.flow)


def menu_table(data: dict[str, object]) -> dict[str, dict[str, str]]:
    """Menu id → {key: next menu} for the keys that lead to another menu."""
    nodes: dict[str, dict[str, object]] = data["nodes"]  # type: ignore[assignment]
    menus = {nid for nid, node in nodes.items() if node["type"] == "menu"}
    return {
        nid: {c["key"]: c["next"] for c in nodes[nid]["choices"] if c["next"] in menus}  # type: ignore[attr-defined]
        for nid in sorted(menus)
    }


def menu_walk(data: dict[str, object], count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """`count` keys a caller could press from the start menu on (always a valid menu-to-menu
    key, picked pseudo-randomly but the same every run), and the menu each key leads to."""
    table = menu_table(data)
    rng = random.Random(seed)
    state = str(data["start"])
    keys, states = [], []
    for _ in range(count):
        key = rng.choice(sorted(table[state]))
        state = table[state][key]
        keys.append(key)
        states.append(state)
    return keys, states
