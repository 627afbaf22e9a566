"""Flows and event streams shared by the runtime benchmarks (bench/engine.py, bench/reload.py).

The flow is menu-heavy on purpose: a caller moving from menu to menu is the engine's most common
step (read a key, leave a menu, enter the next: a trace, a prompt and a gather), so it is the step
whose speed decides how many calls one process can serve. Every menu has three keys to other
menus, a key for an agent and the usual retry handling, with prompts in two languages, and the
flow is lint-clean of errors, so it deploys like a flow an analyst would draw.

`designer_flow` is the big flow of bench/designer.py: as many nodes as Twilio Studio allows, of
every common kind, placed on the canvas.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sce.compiler import CompiledFlow, compile_flow  # noqa: E402
from sce.loader import load_data  # noqa: E402
from sce.schema.reference_tables import exits_of  # noqa: E402

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


# -- a big flow as an analyst draws it, for the designer's benchmark ----------------------------

#: The canvas grid of `designer_flow`: a column per step of depth, a row per step of a column.
COLUMN_PX, ROW_PX = 320, 240
#: Service lines (one per called number) per regional router of `designer_flow`.
LINES_PER_REGION = 12
#: Services a line's menu can offer: (label, Chinese label).
SERVICES = (
    ("balance", "余额"),
    ("payments", "付款"),
    ("opening hours", "营业时间"),
    ("cards", "银行卡"),
    ("travel notice", "出行通知"),
)


def _service(p: str, service: str, i: int) -> dict[str, dict[str, object]]:
    """The steps behind one choice of line `p`'s menu, `{p}{service}_*`; they end at the line's
    agent or goodbye."""
    s = f"{p}{service.split()[0]}_"
    agent, bye = p + "agent", p + "bye"
    if service == "balance":
        return {
            s + "lookup": {
                "type": "http",
                "url": f"https://core.example/{i}/balance/{{caller}}",
                "timeout": 3,
                "save": {"balance": "/amount"},
                "next": s + "read",
                "error": agent,
            },
            s + "read": {
                "type": "play",
                "prompt": _text("Your balance is {balance}.", "您的余额是{balance}。"),
                "next": bye,
            },
        }
    if service == "payments":
        return {
            s + "account": {
                "type": "collect",
                "prompt": _text("Enter your account number.", "请输入您的账号。"),
                "variable": "account",
                "min_digits": 8,
                "max_digits": 8,
                "timeout": 8,
                "no_match": _text("Eight digits, please.", "请输入八位数字。"),
                "next": s + "check",
                "exhausted": agent,
            },
            s + "check": {
                "type": "set",
                "assign": {"vip": "starts_with(account, '9')"},
                "next": s + "route",
            },
            s + "route": {
                "type": "branch",
                "cases": [{"when": "vip and balance > 1000", "next": s + "vip"}],
                "default": s + "pay",
            },
            s + "pay": {
                "type": "http",
                "method": "POST",
                "url": f"https://pay.example/{i}/{{account}}",
                "body": {"account": "{account}"},
                "timeout": 3,
                "next": s + "paid",
                "error": agent,
            },
            s + "paid": {
                "type": "play",
                "prompt": _text("Your payment is on its way.", "您的付款正在处理中。"),
                "next": bye,
            },
            s + "vip": {
                "type": "transfer",
                "queue": "vip",
                "skills": ["payments"],
                "priority": "10",
                "attach": {"summary": "{summary}"},
                "failure": agent,
            },
        }
    if service == "opening hours":
        return {
            s + "hours": {
                "type": "play",
                "prompt": _text(
                    f"Line {i} is open from nine to five, Monday to Friday.",
                    f"{i}号线营业时间为周一至周五九点到五点。",
                ),
                "next": bye,
            }
        }
    if service == "cards":
        return {
            s + "menu": {
                "type": "menu",
                "prompt": _text(
                    "To block a card press 1, for a new card press 2.",
                    "挂失银行卡请按1，申请新卡请按2。",
                ),
                "choices": [
                    {"key": "1", "label": "block", "next": s + "block"},
                    {"key": "2", "label": "new card", "next": s + "new"},
                ],
                "timeout": 5,
                "no_match": _text("That key is not a choice.", "没有这个选项。"),
                "exhausted": agent,
            },
            s + "block": {
                "type": "http",
                "method": "POST",
                "url": f"https://cards.example/{i}/block/{{caller}}",
                "timeout": 3,
                "next": s + "blocked",
                "error": agent,
            },
            s + "blocked": {
                "type": "play",
                "prompt": _text("Your card is blocked.", "您的银行卡已挂失。"),
                "next": bye,
            },
            s + "new": {
                "type": "transfer",
                "queue": "cards",
                "attach": {"summary": "{summary}"},
                "failure": agent,
            },
        }
    return {  # travel notice
        s + "days": {
            "type": "collect",
            "prompt": _text(
                "How many days will you travel? Then press hash.", "请输入出行天数，以井号键结束。"
            ),
            "variable": "days",
            "min_digits": 1,
            "max_digits": 2,
            "timeout": 8,
            "no_match": _text("One or two digits, please.", "请输入一到两位数字。"),
            "next": s + "save",
            "exhausted": agent,
        },
        s + "save": {
            "type": "http",
            "method": "POST",
            "url": f"https://cards.example/{i}/travel/{{caller}}",
            "body": {"days": "{days}"},
            "timeout": 3,
            "next": s + "noted",
            "error": agent,
        },
        s + "noted": {
            "type": "play",
            "prompt": _text("Have a good trip.", "祝您旅途愉快。"),
            "next": bye,
        },
    }


def _line(i: int, rng: random.Random, padding: int = 0) -> dict[str, dict[str, object]]:
    """One service line, `l{i}_*`: a welcome (and `padding` notices after it), a menu of 2-4
    services, an agent and a goodbye."""
    p = f"l{i}_"
    offered = rng.sample(SERVICES, rng.randint(1, 3))
    choices = [
        {"key": str(k), "label": en, "next": f"{p}{en.split()[0]}_" + _FIRST[en]}
        for k, (en, _) in enumerate(offered, start=1)
    ]
    choices.append({"key": "0", "label": "agent", "next": p + "agent"})
    spoken_en = [f"for {en} press {k}" for k, (en, _) in enumerate(offered, start=1)]
    spoken_zh = [f"{zh}请按{k}" for k, (_, zh) in enumerate(offered, start=1)]
    notices = [f"{p}notice_{j}" for j in range(padding)]
    chain = [p + "welcome", *notices, p + "menu"]
    nodes: dict[str, dict[str, object]] = {
        p + "welcome": {
            "type": "play",
            "prompt": _text(f"Welcome to line {i}.", f"欢迎致电{i}号线。"),
            "next": chain[1],
        }
    }
    for j, notice in enumerate(notices):
        nodes[notice] = {
            "type": "play",
            "prompt": _text(f"Notice {j}: our lines are busy.", f"通知{j}：线路繁忙。"),
            "next": chain[j + 2],
        }
    nodes[p + "menu"] = {
        "type": "menu",
        "prompt": _text(
            ", ".join(spoken_en).capitalize() + ", for an agent press 0.",
            "，".join(spoken_zh) + "，人工服务请按0。",
        ),
        "choices": choices,
        "timeout": 5,
        "retries": 2,
        "repeat_key": "*",
        "no_input": _text("I did not hear a key.", "没有听到按键。"),
        "no_match": _text("That key is not a choice.", "没有这个选项。"),
        "exhausted": p + "agent",
    }
    for en, _ in offered:
        nodes.update(_service(p, en, i))
    nodes[p + "agent"] = {
        "type": "transfer",
        "queue": "general",
        "attach": {"summary": "{summary}"},
        "failure": p + "bye",
    }
    nodes[p + "bye"] = {"type": "hangup", "prompt": _text("Goodbye.", "再见。")}
    return nodes


#: The first step of each service (`_service`'s names, after the service's prefix).
_FIRST = {
    "balance": "lookup",
    "payments": "account",
    "opening hours": "hours",
    "cards": "menu",
    "travel notice": "days",
}


def _routers(lines: int) -> int:
    return 1 + -(-lines // LINES_PER_REGION)


def node_exits(node: dict[str, object]) -> list[tuple[str, str]]:
    """(handle, target) of each exit of a node, from the flow schema (as the designer names
    its handles: `field`, or `field.index` for a list's items)."""
    found = []
    for name, item, _ in exits_of(str(node["type"])):
        value = node.get(name)
        if not item and isinstance(value, str):
            found.append((name, value))
        elif item and isinstance(value, list):
            for k, entry in enumerate(value):
                if isinstance(entry, dict) and isinstance(entry.get(item), str):
                    found.append((f"{name}.{k}", entry[item]))
    return found


def _grid(nodes: dict[str, dict[str, object]], first: str) -> dict[str, tuple[int, int]]:
    """(column, row) of `first` and the nodes it reaches among `nodes`: a column per depth
    (breadth first), a row per node of a column."""
    depth = {first: 0}
    queue = [first]
    for nid in queue:
        for _, target in node_exits(nodes[nid]):
            if target in nodes and target not in depth:
                depth[target] = depth[nid] + 1
                queue.append(target)
    rows: dict[int, int] = {}
    cells = {}
    for nid in queue:
        row = rows.get(depth[nid], 0)
        rows[depth[nid]] = row + 1
        cells[nid] = (depth[nid], row)
    return cells


def designer_flow(n: int = 2000, *, seed: int = 11, flow_id: str = "big") -> dict[str, object]:
    """A flow of exactly `n` nodes (n >= 30) as an analyst draws a big one: a router on the
    called number and regional routers in front of service lines, each a welcome, a menu of 2 to
    4 choices (services behind them: a balance lookup, a payment with a collect and a branch, a
    card menu, a travel notice, opening hours) and a transfer to an agent, all wired, prompts in
    English and Chinese, lint-clean. Every node has `ui: {x, y}`: the lines are blocks on a
    grid, each laid out in layered columns, the routers in the columns on the left."""
    rng = random.Random(seed)
    lines: list[dict[str, dict[str, object]]] = []
    seeds: list[float] = []
    used = 0
    while True:
        seeds.append(rng.random())
        line = _line(len(lines), random.Random(seeds[-1]))
        if used + len(line) + _routers(len(lines) + 1) > n:
            break
        lines.append(line)
        used += len(line)
    if not lines:
        raise ValueError(f"a designer flow needs more than {n} nodes")
    # The nodes still missing are notices after the last line's welcome (the same line again,
    # from its seed, with them).
    last = len(lines) - 1
    short = n - used - _routers(len(lines))
    lines[last] = _line(last, random.Random(seeds[last]), padding=short)
    regions = -(-len(lines) // LINES_PER_REGION)
    nodes: dict[str, dict[str, object]] = {
        "router": {
            "type": "branch",
            "title": "Which region was called",
            "cases": [
                {"when": f"starts_with(called, '+1555{r:02d}')", "next": f"region_{r:02d}"}
                for r in range(1, regions)
            ],
            "default": "region_00",
        }
    }
    for r in range(regions):
        mine = range(r * LINES_PER_REGION, min(len(lines), (r + 1) * LINES_PER_REGION))
        nodes[f"region_{r:02d}"] = {
            "type": "branch",
            "cases": [
                {"when": f"called == '+1555{r:02d}{i:05d}'", "next": f"l{i}_welcome"}
                for i in mine
                if i != mine[0]
            ],
            "default": f"l{mine[0]}_welcome",
        }
    for line in lines:
        nodes.update(line)
    assert len(nodes) == n, (len(nodes), n)
    # The layout: routers in columns 0 and 1, the line blocks in a grid to the right of them,
    # about as wide as high on a 16:10 screen.
    nodes["router"]["ui"] = {"x": 0, "y": 0}
    for r in range(regions):
        nodes[f"region_{r:02d}"]["ui"] = {"x": COLUMN_PX, "y": r * 2 * ROW_PX}
    grids = [_grid(line, f"l{i}_welcome") for i, line in enumerate(lines)]
    # Each line is a block one column and one row larger than its steps, put on shelves left
    # to right (a new shelf when one is full) about 1.6 times as wide as high.
    sizes = [
        (
            (2 + max(c for c, _ in grid.values())) * COLUMN_PX,
            (2 + max(r for _, r in grid.values())) * ROW_PX,
        )
        for grid in grids
    ]
    width = math.sqrt(1.6 * sum(w * h for w, h in sizes))
    x, y, shelf = 0, 0, 0
    for i, (line, grid) in enumerate(zip(lines, grids, strict=True)):
        w, h = sizes[i]
        if x and x + w > width:
            x, y, shelf = 0, y + shelf, 0
        for nid, (column, row) in grid.items():
            line[nid]["ui"] = {
                "x": 2 * COLUMN_PX + x + column * COLUMN_PX,
                "y": y + row * ROW_PX,
            }
        x, shelf = x + w, max(shelf, h)
    return {
        "flow": flow_id,
        "title": f"Generated flow of {n} nodes",
        "languages": list(LANGUAGES),
        "start": "router",
        "variables": {
            "balance": {"type": "number", "default": 0},
            "account": {},
            "days": {},
            "vip": {"type": "bool", "default": False},
        },
        "nodes": nodes,
    }
