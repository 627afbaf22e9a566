"""Benchmark: load + lint + compile of generated flows of 1k, 10k and 50k nodes.

The flows are what a large contact centre has: a router on the dialled number in front of many
service lines, each line with a welcome, a menu, a data dip, SMS, a collect, a branch and a
transfer, in two languages, lint-clean. The reference measured in the same run is `json.loads` +
`json.dumps` of the same document (the floor of any tool that reads and writes it).

Targets (issue 3): a 10k-node flow in under 1 s; the 50k/10k ratio at most 6 (near-linear).
The last line is {"bench": "compile", "metrics": {...}}.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sce.build import build  # noqa: E402
from sce.loader import load_text  # noqa: E402

LINE_NODES = 12


def _text(en: str, zh: str) -> dict[str, object]:
    return {"text": {"en-US": en, "zh-CN": zh}}


def service_line(i: int) -> dict[str, dict[str, object]]:
    """Twelve nodes of one service line, `l{i}_*`."""
    p = f"l{i}_"
    return {
        p + "welcome": {
            "type": "play",
            "prompt": _text(f"Welcome to line {i}.", f"欢迎致电{i}号线。"),
            "next": p + "menu",
        },
        p + "menu": {
            "type": "menu",
            "prompt": _text(
                "For your balance press 1, to pay press 2, for an agent press 0.",
                "查询余额请按1，付款请按2，人工服务请按0。",
            ),
            "choices": [
                {"key": "1", "next": p + "lookup"},
                {"key": "2", "next": p + "account"},
                {"key": "0", "next": p + "agent"},
            ],
            "timeout": 5,
            "repeat_key": "*",
            "no_match": _text("Sorry, that is not a choice.", "对不起，没有这个选项。"),
            "exhausted": p + "agent",
        },
        p + "lookup": {
            "type": "http",
            "url": f"https://core.example/{i}/balance/{{caller}}",
            "timeout": 3,
            "save": {"balance": "/amount"},
            "next": p + "read",
            "error": p + "agent",
        },
        p + "read": {
            "type": "play",
            "prompt": _text("Your balance is {balance}.", "余额{balance}。"),
            "next": p + "sms",
        },
        p + "sms": {
            "type": "sms",
            "message": {"en-US": "Balance {balance}", "zh-CN": "余额{balance}"},
            "next": p + "bye",
            "error": p + "bye",
        },
        p + "account": {
            "type": "collect",
            "prompt": _text("Enter your account number.", "请输入账号。"),
            "variable": "account",
            "min_digits": 8,
            "max_digits": 8,
            "timeout": 8,
            "no_match": _text("Eight digits, please.", "请输入八位数字。"),
            "next": p + "check",
            "exhausted": p + "agent",
        },
        p + "check": {
            "type": "set",
            "assign": {"vip": "starts_with(account, '9')"},
            "next": p + "route",
        },
        p + "route": {
            "type": "branch",
            "cases": [{"when": "vip and balance > 1000", "next": p + "vip"}],
            "default": p + "pay",
        },
        p + "pay": {
            "type": "http",
            "method": "POST",
            "url": "https://pay.example/{account}",
            "body": {"account": "{account}"},
            "timeout": 3,
            "next": p + "bye",
            "error": p + "agent",
        },
        p + "vip": {
            "type": "transfer",
            "queue": "vip",
            "skills": ["payments"],
            "priority": "10",
            "attach": {"summary": "{summary}"},
            "failure": p + "bye",
        },
        p + "agent": {
            "type": "transfer",
            "queue": "general",
            "attach": {"summary": "{summary}"},
            "failure": p + "bye",
        },
        p + "bye": {"type": "hangup", "prompt": _text("Goodbye.", "再见。")},
    }


def generate(nodes: int) -> dict[str, object]:
    lines = max(1, (nodes - 1) // LINE_NODES)
    all_nodes: dict[str, object] = {
        "router": {
            "type": "branch",
            "cases": [
                {"when": f"called == '+1555{i:07d}'", "next": f"l{i}_welcome"}
                for i in range(1, lines)
            ],
            "default": "l0_welcome",
        }
    }
    for i in range(lines):
        all_nodes.update(service_line(i))
    return {
        "flow": f"big{nodes}",
        "title": f"Generated flow of {len(all_nodes)} nodes",
        "languages": ["en-US", "zh-CN"],
        "start": "router",
        "variables": {
            "balance": {"type": "number", "default": 0},
            "account": {},
            "vip": {"type": "bool", "default": False},
        },
        "nodes": all_nodes,
    }


def run_once(text: str) -> tuple[float, int]:
    gc.collect()
    t0 = time.perf_counter()
    loaded = load_text(text, "big.json", "json")
    result = build(loaded)
    assert result.compiled is not None, result.errors[:3]
    return time.perf_counter() - t0, len(result.diagnostics)


def reference(text: str) -> float:
    gc.collect()
    t0 = time.perf_counter()
    json.dumps(json.loads(text))
    return time.perf_counter() - t0


def main() -> None:
    rows = []
    metrics: dict[str, float] = {}
    for size in (1_000, 10_000, 50_000):
        text = json.dumps(generate(size), ensure_ascii=False)
        # This machine's timings wander by a third from run to run: take the best of several.
        runs = 7 if size <= 10_000 else 3
        best, findings = min(run_once(text) for _ in range(runs))
        ref = min(reference(text) for _ in range(runs))
        nodes = len(json.loads(text)["nodes"])
        rows.append((size, nodes, best, ref, findings))
        metrics[f"seconds_{size // 1000}k"] = round(best, 4)
        metrics[f"ratio_vs_json_{size // 1000}k"] = round(best / ref, 2)
    metrics["ratio_50k_10k"] = round(metrics["seconds_50k"] / metrics["seconds_10k"], 2)
    print(
        f"{'size':>7} {'nodes':>7} {'load+lint+compile s':>20} {'json s':>8} {'x json':>7} "
        f"{'findings':>8}"
    )
    for size, nodes, best, ref, findings in rows:
        print(f"{size:>7} {nodes:>7} {best:>20.3f} {ref:>8.3f} {best / ref:>7.1f} {findings:>8}")
    print(
        f"ratio 50k/10k: {metrics['ratio_50k_10k']} (target <= 6); 10k: "
        f"{metrics['seconds_10k']} s (target < 1 s)"
    )
    print(json.dumps({"bench": "compile", "metrics": metrics}))


if __name__ == "__main__":
    main()
