"""Benchmark: the designer opening a 2,000-node flow, and panning and zooming it, against a bare
React Flow page drawing the same nodes, in headless Chromium.

The flow is `bench.flows.designer_flow(2000)` (Twilio Studio's largest): routers in front of
service lines of menus (2 to 4 choices), plays, HTTP requests, branches, collects, transfers and
hangups, all wired, English and Chinese prompts, every step placed on the canvas (`ui: {x, y}`,
layered columns), lint-clean. The pages:

- the designer: the real server app (runtime.server.app) in a thread of this process, on a flows
  folder in a temporary folder holding the flow, serving the built designer (sce/designer/,
  `npm run build` in web/); a user logs in through the login form, then opens `/flows/big`;
- the floor: web/bench/bare.html, built by Vite for this run into a temporary folder and served
  by http.server: the same nodes (React Flow's default nodes labelled with the step's id, at the
  same positions and of the designer's step size, its start node included) and the same edges,
  with the designer's canvas settings that decide what is drawn (`onlyRenderVisibleElements`, the
  zoom range, smoothstep edges), on a canvas of the designer's canvas's size, its view starting
  where the designer's first render shows it (the designer fits a flow in only when that leaves
  it readable, else shows its start at a readable zoom): the same nodes drawn, on the same view;
- the floor with the whole flow fitted in (`fitView`): what drawing every node costs React Flow
  (`fit_*`, no target: the designer does not open a big flow that way).

First render is the time from the start of the navigation to the page's first painted frame
showing the nodes of the final view: every `.react-flow__node` measured (none hidden), the view
moved from where React Flow starts it, and the count of nodes and the view unchanged for three
frames after it (measured in the page with `performance.now()` in requestAnimationFrame
callbacks; the frame after the one that first had the state is when it was painted). Each round
opens each page in a fresh browser context, after one visit that loads its script into the
context's cache (the designer's login page, the bare page itself), and takes the pages in turn;
figures are medians of rounds, after a round of each that is not counted.

Then, in the same page, about 2 s of wheel zooming (out and in, threefold) and of dragging the
empty canvas, one input event every 16 ms, while the page records the time between animation
frames: `pan_p95_ms` (designer) and `bare_pan_p95_ms` (floor) are the 95th percentiles.

Targets (issue): `first_render_ms` under 2,000 and `ratio_first_render_vs_bare` at most 1.5;
`pan_p95_ms` under 50. `--quick` is a 500-node flow and fewer rounds. The run stops with an error
if a page logs an error. The last line is {"bench": "designer", "metrics": {...}}.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402

from bench.flows import designer_flow, node_exits  # noqa: E402
from runtime.config import RuntimeConfig  # noqa: E402
from runtime.server.app import create_app  # noqa: E402
from runtime.server.service import Service  # noqa: E402
from sce.access.roles import Role  # noqa: E402
from sce.access.users import UserFile  # noqa: E402
from sce.schema.reference_tables import exits_of  # noqa: E402
from tests.designer.live import (  # noqa: E402
    CHROMIUM_ARGS,
    LOCALE,
    VIEWPORT,
    BrowserErrors,
    designer_missing,
    login,
    serving,
)

FLOW = "big"
USER, PASSWORD = "bench", "a long benchmark password 42"
WEB = ROOT / "web"
#: Where the designer draws its start node when the flow does not say (web/src/flow/graph.ts).
START, START_AT, START_SIZE = "@start", (-260, 0), {"width": 170, "height": 100}
#: Input events while panning and zooming: one every FRAME_S, for PAN_S seconds in all.
FRAME_S, PAN_S = 0.016, 2.0
WAIT_MS = 60_000
TARGET_FIRST_MS, TARGET_RATIO, TARGET_PAN_MS = 2000.0, 1.5, 50.0

#: Runs in every page before its own scripts: `__bench.firstRender` (ms since the navigation
#: started) once the nodes are drawn and stay put, and a recorder of frame times.
PROBE = r"""
(() => {
  // `changes`: [ms, nodes drawn, the viewport] whenever what is drawn changed (for a look at
  // how a page gets to its first render).
  const bench = { firstRender: null, nodes: 0, changes: [], deltas: [], recording: false };
  window.__bench = bench;
  let seen = null, paintedAt = null, still = 0;
  // What is drawn: null until there are nodes, all measured, and the view has left where React
  // Flow starts it (no page here shows its flow there).
  function look() {
    const all = document.querySelectorAll(".react-flow__node");
    if (!all.length) return null;
    for (const node of all) if (node.style.visibility === "hidden") return null;
    const view = document.querySelector(".react-flow__viewport").style.transform;
    if (view === "translate(0px, 0px) scale(1)") return null;
    return `${all.length} ${view}`;
  }
  function tick() {
    const state = look();
    if (state !== seen) {
      bench.changes.push([performance.now(), state]);
      seen = state;
      paintedAt = null;
      still = 0;
    } else if (state !== null) {
      if (paintedAt === null) paintedAt = performance.now();
      else still += 1;
      if (still >= 3) {
        const [, x, y, zoom] = /translate\((.+)px, (.+)px\) scale\((.+)\)/.exec(state);
        bench.view = [Number(x), Number(y), Number(zoom)];
        bench.nodes = Number(state.split(" ")[0]);
        bench.firstRender = paintedAt;
        return;
      }
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
  bench.record = () => {
    bench.deltas = [];
    bench.recording = true;
    let last = null;
    const frame = (t) => {
      if (!bench.recording) return;
      if (last !== null) bench.deltas.push(t - last);
      last = t;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  bench.stop = () => {
    bench.recording = false;
    return bench.deltas;
  };
  // A point of the canvas where a drag moves the view (no node, edge, minimap or control).
  bench.emptyPoint = () => {
    const box = document.querySelector(".react-flow").getBoundingClientRect();
    for (let fy = 0.3; fy < 0.95; fy += 0.05) {
      for (let fx = 0.2; fx < 0.8; fx += 0.03) {
        const x = box.left + fx * box.width, y = box.top + fy * box.height;
        const hit = document.elementFromPoint(x, y);
        if (hit && hit.classList.contains("react-flow__pane")) return [x, y];
      }
    }
    return null;
  };
})();
"""

#: What the page's resource timing says of one request (ms since the navigation started).
FETCHED = """(part) => {
  const hit = performance.getEntriesByType("resource").find((e) => e.name.includes(part));
  return hit ? [hit.startTime, hit.responseEnd] : null;
}"""


@dataclass
class Visit:
    """One measured opening of a page."""

    first_render: float  # ms
    nodes: int  # nodes in the page at first render
    fetch: tuple[float, float] | None  # when the page's data was asked for and arrived (ms)
    loaded: float  # DOMContentLoaded (ms)
    frames: list[float]  # ms between animation frames while panning and zooming
    canvas: tuple[int, int]  # the canvas's size in CSS pixels
    view: tuple[float, float, float]  # the view at first render: x, y, zoom


# -- the pages ----------------------------------------------------------------------------------


def exit_count(step: dict[str, Any]) -> int:
    """How many exits the designer draws on a step: every exit field, connected or not, and one
    per item of a list of them (web/src/flow/schema.ts's exitsOf)."""
    return sum(len(step.get(name) or ()) if item else 1 for name, item, _ in exits_of(step["type"]))


def graph(flow: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The nodes and edges the designer draws for `flow` (web/src/flow/graph.ts's picture), each
    node of the size the designer gives it (web/src/flow/layout.ts's stepSize)."""
    steps: dict[str, dict[str, Any]] = flow["nodes"]
    nodes = [{"id": START, "x": START_AT[0], "y": START_AT[1], **START_SIZE}]
    edges = [{"id": f"{START}|start", "source": START, "target": flow["start"]}]
    for nid, step in steps.items():
        at = {"x": step["ui"]["x"], "y": step["ui"]["y"]}
        nodes.append({"id": nid, **at, "width": 240, "height": 78 + 24 * exit_count(step)})
        for handle, target in node_exits(step):
            if target in steps:
                edges.append({"id": f"{nid}|{handle}", "source": nid, "target": target})
    return {"nodes": nodes, "edges": edges}


def build_bare(out: Path) -> None:
    """web/bench/bare.html built into `out` (web/'s node_modules, as `make setup` installs)."""
    npx = shutil.which("npx")
    if npx is None or not (WEB / "node_modules").is_dir():
        raise SystemExit("no npx or no web/node_modules: run make setup (it installs web/)")
    command = [npx, "vite", "build", "--config", "bench/vite.config.ts", "--outDir", str(out)]
    done = subprocess.run(command, cwd=WEB, capture_output=True, text=True, check=False)
    if done.returncode or not (out / "bare.html").is_file():
        raise SystemExit(f"the bare page did not build:\n{done.stdout}{done.stderr}")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass


@contextmanager
def static(folder: Path) -> Iterator[str]:
    """`folder` served on a free port of 127.0.0.1 until the block ends: the base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


@contextmanager
def designer_server(tmp: Path, flow: dict[str, Any]) -> Iterator[str]:
    """The server app on a flows folder holding `flow`, with one editor, until the block ends."""
    flows = tmp / "flows"
    flows.mkdir()
    (flows / f"{FLOW}.json").write_text(json.dumps(flow, ensure_ascii=False), encoding="utf-8")
    config = RuntimeConfig(
        flows=str(flows),
        prompts=str(tmp / "prompts"),
        users=str(tmp / ".sce" / "users.json"),
        audit=str(tmp / ".sce" / "audit.jsonl"),
    )
    (tmp / ".sce").mkdir()
    UserFile(config.users).add(USER, Role.EDITOR, PASSWORD)
    service = Service.open(config, watch=False)
    try:
        with serving(create_app(service=service)) as url:
            yield url
    finally:
        service.close()


# -- measuring ----------------------------------------------------------------------------------


def new_context(browser: Browser, base_url: str) -> BrowserContext:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale=LOCALE)
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(PROBE)
    return context


def checked(page: Page, errors: BrowserErrors) -> None:
    if errors.unexpected():
        raise SystemExit(f"{page.url} logged errors:\n" + "\n".join(errors.unexpected()))


def pace(t0: float, k: int) -> None:
    """Sleep until the `k`th input event's time."""
    time.sleep(max(0.0, t0 + k * FRAME_S - time.perf_counter()))


def pan_and_zoom(page: Page) -> list[float]:
    """Wheel zooming out and in over the canvas's middle, then drags of the empty canvas, for
    `PAN_S` seconds: the ms between the animation frames meanwhile."""
    box = page.locator(".react-flow").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.evaluate("window.__bench.record()")
    t0 = time.perf_counter()
    k = 0
    while time.perf_counter() - t0 < PAN_S / 2:
        page.mouse.wheel(0, 100 if (k // 8) % 2 == 0 else -100)
        k += 1
        pace(t0, k)
    while time.perf_counter() - t0 < PAN_S:
        point = page.evaluate("window.__bench.emptyPoint()")
        if point is None:
            raise SystemExit(f"no empty spot on the canvas of {page.url} to drag")
        x, y = point
        page.mouse.move(x, y)
        page.mouse.down()
        for j in range(1, 31):
            turn = 2 * math.pi * j / 30
            page.mouse.move(x + 150 * math.sin(turn), y + 60 * math.sin(2 * turn))
            k += 1
            pace(t0, k)
        page.mouse.up()
    frames: list[float] = page.evaluate("window.__bench.stop()")
    return frames


def visit(context: BrowserContext, url: str, fetched: str) -> Visit:
    """Open `url` in a new page of `context`: its first render, then its frames while panning and
    zooming (after the page's requests are over). `fetched`: a part of its data's URL."""
    page = context.new_page()
    errors = BrowserErrors()
    errors.watch(page)
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__bench && window.__bench.firstRender !== null")
    first, nodes, view = page.evaluate(
        "[window.__bench.firstRender, window.__bench.nodes, window.__bench.view]"
    )
    page.wait_for_load_state("networkidle")
    fetch = page.evaluate(FETCHED, fetched)
    loaded = page.evaluate('performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd')
    box = page.locator(".react-flow").first.bounding_box()
    assert box is not None
    frames = pan_and_zoom(page)
    checked(page, errors)
    page.close()
    return Visit(
        first, nodes, tuple(fetch) if fetch else None, loaded, frames,
        (round(box["width"]), round(box["height"])), tuple(view),
    )  # fmt: skip


def designer_round(browser: Browser, url: str) -> Visit:
    context = new_context(browser, url)
    try:
        page = context.new_page()
        errors = BrowserErrors()
        errors.watch(page)
        login(page, USER, PASSWORD)
        checked(page, errors)
        page.close()
        return visit(context, f"/flows/{FLOW}", f"/api/flows/{FLOW}")
    finally:
        context.close()


def bare_round(
    browser: Browser, url: str, canvas: tuple[int, int], view: tuple[float, float, float] | None
) -> Visit:
    """The bare page on a canvas of `canvas`'s size, its view at `view` (x, y, zoom), or with
    the whole flow fitted in."""
    context = new_context(browser, url)
    try:
        page = f"/bare.html?w={canvas[0]}&h={canvas[1]}"
        if view:
            page += f"&x={view[0]}&y={view[1]}&zoom={view[2]}"
        warm = context.new_page()
        warm.goto(page)
        warm.wait_for_function("() => window.__bench.firstRender !== null")
        warm.close()
        return visit(context, page, "graph.json")
    finally:
        context.close()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


PAGES = (
    ("designer", "designer"),
    ("bare", "bare, same view"),
    ("fit", "bare, all fitted"),
)


def table(runs: dict[str, list[Visit]]) -> None:
    """A line per visit: when it was drawn, when its data came, its frames' times."""
    print(
        f"{'page':<20} {'first render ms':>15} {'DOMContentLoaded':>16} {'data asked':>10} "
        f"{'data in':>8} {'nodes drawn':>11} {'zoom':>5} {'frames':>6} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'max ms':>7}"
    )
    for name, label in PAGES:
        for n, v in enumerate(runs[name], start=1):
            asked, came = v.fetch or (math.nan, math.nan)
            print(
                f"{label + f' {n}':<20} {v.first_render:>15.0f} {v.loaded:>16.0f} "
                f"{asked:>10.0f} {came:>8.0f} {v.nodes:>11} {v.view[2]:>5.2f} "
                f"{len(v.frames):>6} {statistics.median(v.frames):>7.1f} "
                f"{p95(v.frames):>7.1f} {max(v.frames):>7.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 nodes, 1 round")
    parser.add_argument("--nodes", type=int, help="the flow's size (2,000; --quick 500)")
    parser.add_argument("--rounds", type=int, help="measured rounds (3; --quick 1)")
    parser.add_argument(
        "--bare-only",
        action="store_true",
        help="the bare page alone, the flow fitted in the window (no JSON line)",
    )
    args = parser.parse_args()
    size = args.nodes or (500 if args.quick else 2000)
    rounds = args.rounds or (1 if args.quick else 3)
    missing = None if args.bare_only else designer_missing()
    if missing:
        raise SystemExit(missing)
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Chromium is not on the PATH: apt-get install -y chromium")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    flow = designer_flow(size, flow_id=FLOW)
    drawn = graph(flow)
    runs: dict[str, list[Visit]] = {name: [] for name, _ in PAGES}
    with tempfile.TemporaryDirectory(prefix="bench-designer-") as tmp:
        here = Path(tmp)
        bare_dir = here / "bare"
        t0 = time.perf_counter()
        build_bare(bare_dir)
        built = time.perf_counter() - t0
        (bare_dir / "graph.json").write_text(json.dumps(drawn), encoding="utf-8")
        (here / "server").mkdir()
        with (
            designer_server(here / "server", flow) as designer_url,
            static(bare_dir) as bare_url,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            # A round of each that is not counted (the server's first read of the flow, the
            # browser's first run of each script), which finds the designer's canvas and view.
            canvas = (VIEWPORT["width"], VIEWPORT["height"])
            view = None
            if not args.bare_only:
                first = designer_round(browser, designer_url)
                canvas, view = first.canvas, first.view
                bare_round(browser, bare_url, canvas, view)
            bare_round(browser, bare_url, canvas, None)
            for _ in range(rounds):
                if not args.bare_only:
                    runs["designer"].append(designer_round(browser, designer_url))
                    runs["bare"].append(bare_round(browser, bare_url, canvas, view))
                runs["fit"].append(bare_round(browser, bare_url, canvas, None))
            browser.close()
    print(
        f"a {size}-node flow ({len(drawn['edges'])} edges) in headless Chromium "
        f"{VIEWPORT['width']}x{VIEWPORT['height']}; the designer's canvas {canvas[0]}x{canvas[1]}, "
        f"the bare page's too; {rounds} round(s) of each, taking turns; the bare page built "
        f"in {built:.1f} s"
    )
    table(runs)
    if args.bare_only:
        return

    def median(name: str, value: Callable[[Visit], float]) -> float:
        return statistics.median(value(v) for v in runs[name])

    first_ms = median("designer", lambda v: v.first_render)
    bare_ms = median("bare", lambda v: v.first_render)
    pan = median("designer", lambda v: p95(v.frames))
    metrics: dict[str, float] = {
        "nodes": size,
        "first_render_ms": round(first_ms, 1),
        "bare_first_render_ms": round(bare_ms, 1),
        "ratio_first_render_vs_bare": round(first_ms / bare_ms, 3),
        "pan_p95_ms": round(pan, 1),
        "bare_pan_p95_ms": round(median("bare", lambda v: p95(v.frames)), 1),
        "pan_p50_ms": round(median("designer", lambda v: statistics.median(v.frames)), 1),
        "bare_pan_p50_ms": round(median("bare", lambda v: statistics.median(v.frames)), 1),
        # When the designer had the flow (GET /api/flows/<id> done), ms from the navigation.
        "flow_data_ms": round(median("designer", lambda v: v.fetch[1] if v.fetch else 0), 1),
        "rendered_nodes": round(median("designer", lambda v: v.nodes)),
        "bare_rendered_nodes": round(median("bare", lambda v: v.nodes)),
        "zoom": view[2] if view else 0.0,
        # The whole flow fitted in (what drawing every node costs React Flow): no target.
        "fit_first_render_ms": round(median("fit", lambda v: v.first_render), 1),
        "fit_pan_p95_ms": round(median("fit", lambda v: p95(v.frames)), 1),
        "fit_rendered_nodes": round(median("fit", lambda v: v.nodes)),
    }

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    ratio = metrics["ratio_first_render_vs_bare"]
    print(
        f"first render {first_ms:.0f} ms (target < {TARGET_FIRST_MS:.0f}: "
        f"{verdict(first_ms < TARGET_FIRST_MS)}), bare page on the same view {bare_ms:.0f} ms, "
        f"ratio {ratio} (target <= {TARGET_RATIO}: {verdict(ratio <= TARGET_RATIO)}); "
        f"the bare page drawing the whole flow {metrics['fit_first_render_ms']:.0f} ms"
    )
    print(
        f"pan/zoom frame p95 {pan:.1f} ms (target < {TARGET_PAN_MS:.0f}: "
        f"{verdict(pan < TARGET_PAN_MS)}), bare page {metrics['bare_pan_p95_ms']:.1f} ms "
        f"(whole flow {metrics['fit_pan_p95_ms']:.1f} ms)"
    )
    print(json.dumps({"bench": "designer", "metrics": metrics}))


if __name__ == "__main__":
    main()
