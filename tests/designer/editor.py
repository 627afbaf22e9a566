"""What the designer's browser tests do in the editor, as a person does it: open a flow, find a
step and its exits on the canvas, connect an exit by dragging its handle, save, read the save
state; and where the extra screenshots go.

    open_flow(page, "eve", "balance")
    connect(page, "welcome", "next", "main")
    save(page, "welcome reworded")
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import FloatRect, Locator, Page, expect

from tests.designer.live import login

#: How long to wait for what a click or a key shows at once (ms): a test that fails on a bug
#: fails in this time rather than in the conftest's long wait.
QUICK_MS = 2_000
#: Where the conftest leaves its screenshots; the tests add some of key screens there.
ARTIFACTS = Path(
    os.environ.get("SCE_TEST_ARTIFACTS") or Path(__file__).resolve().parent / "artifacts"
)


def shot(page: Page, name: str) -> None:
    """A screenshot of what the page shows now, as artifacts/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_flow(page: Page, user: str, flow: str) -> None:
    """Log `user` in and open `flow` from the flow list, as a person does; wait for its canvas."""
    login(page, user)
    page.get_by_role("link", name=flow, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/flows/{re.escape(flow)}$"))
    expect(canvas(page)).to_be_visible()
    settled(page)


#: True once the canvas stands still: its steps drawn where they go (a flow without positions
#: is laid out first, every step at 0,0 until then: the mini map, which draws every node, shows
#: them apart) and the view the same as at the last look.
_SETTLED = """() => {
  const viewport = document.querySelector('.react-flow__viewport');
  const nodes = [...document.querySelectorAll('.react-flow__minimap-node')]
    .map(n => n.getAttribute('x') + ',' + n.getAttribute('y'));
  if (!viewport || !nodes.length || new Set(nodes).size < nodes.length) return false;
  const now = viewport.style.transform + '|' + nodes.join(';');
  const before = window.__sceCanvasLook;
  window.__sceCanvasLook = now;
  return before === now;
}"""


def settled(page: Page) -> None:
    """Wait until the canvas has laid out the flow and stopped moving (looked at 50 ms apart):
    a step found before the layout is done would be scrolled away again by it."""
    page.evaluate("() => { delete window.__sceCanvasLook; }")
    page.wait_for_function(_SETTLED, polling=50)


def canvas(page: Page) -> Locator:
    return page.get_by_role("application").filter(has=page.locator(".react-flow__pane"))


def pane(page: Page) -> Locator:
    return page.locator(".react-flow__pane")


def step(page: Page, step_id: str) -> Locator:
    """The step `step_id` on the canvas (a group named "Step ID (Type)")."""
    return page.locator(f'[data-step="{step_id}"]')


def exit_of(page: Page, step_id: str, handle: str) -> Locator:
    """One exit of a step: its label and its handle."""
    return step(page, step_id).locator(f'[data-exit="{handle}"]')


def properties(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Properties")


def save_state(page: Page) -> Locator:
    """The top bar's status: Saved · revision N, Unsaved changes, Saving…, Conflict."""
    return page.locator("header.topbar").get_by_role("status")


def centre(box: FloatRect) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag_mouse(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press the mouse at `start`, move it to `end` in small steps, release it there."""
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 4, start[1] + 4, steps=2)
    page.mouse.move(*end, steps=12)
    page.mouse.up()


def connect(page: Page, source: str, handle: str, target: str) -> None:
    """Drag the exit `handle` of step `source` onto step `target`'s input handle; the exit then
    says where it goes (its tooltip is "→ TARGET")."""
    start = exit_of(page, source, handle).locator(".react-flow__handle")
    end = step(page, target).locator(".react-flow__handle-left")
    start_box = start.bounding_box()
    end_box = end.bounding_box()
    assert start_box and end_box, f"{source}.{handle} or {target} is not on the screen"
    page.mouse.move(*centre(start_box))
    page.mouse.down()
    page.mouse.move(*centre(end_box), steps=12)
    # A drag that starts near the canvas's edge pans the canvas: aim again where the target is.
    for _ in range(3):
        moved = end.bounding_box()
        assert moved
        if centre(moved) == centre(end_box):
            break
        end_box = moved
        page.mouse.move(*centre(end_box), steps=3)
    page.mouse.up()
    expect(exit_of(page, source, handle).locator(f'[title="→ {target}"]')).to_be_visible()


def save(page: Page, message: str) -> None:
    """Save with the top bar's Save button and the dialog's message; wait until it is saved."""
    page.get_by_role("button", name="Save", exact=True).click()
    dialog = page.get_by_role("dialog", name="Save this flow")
    dialog.get_by_label("What did you change?").fill(message)
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(save_state(page)).to_have_text(re.compile(r"^Saved · revision \d+$"))


def problems_tab(page: Page) -> Locator:
    return page.get_by_role("tab", name=re.compile(r"^Problems"))


def problem_buttons(page: Page, severity: str = "Error|Warning") -> Locator:
    """The Problems list's entries, each a button "Error SCE123 step: message"."""
    panel = page.get_by_role("tabpanel", name=re.compile(r"^Problems"))
    return panel.get_by_role("button", name=re.compile(rf"^({severity}) SCE\d+"))


def find_step(page: Page, step_id: str) -> None:
    """Ctrl+F, the step's id, a click on it among the steps found: the canvas goes to the step and
    selects it; the find box is closed again."""
    # The shortcut belongs to the canvas, not to a field being typed in: click somewhere neutral.
    page.locator("header.topbar h1").click()
    page.keyboard.press("Control+f")
    find = page.get_by_role("searchbox", name="Find a step")
    find.fill(step_id)
    page.get_by_role("list", name="Steps found").get_by_role(
        "button", name=re.compile(rf"^{re.escape(step_id)}( — .*)?$")
    ).click()
    expect(properties(page).get_by_label("Step id")).to_have_value(step_id)
    page.get_by_role("button", name="Close find").click()
    # The canvas glides to the step: wait until it stands still.
    step(page, step_id).hover(position={"x": 60, "y": 12})


def position(page: Page, node_id: str) -> tuple[float, float]:
    """Where React Flow draws a node, in the flow's coordinates (its transform)."""
    style = page.locator(f'.react-flow__node[data-id="{node_id}"]').get_attribute("style") or ""
    found = re.search(r"translate\((-?[\d.]+)px, (-?[\d.]+)px\)", style)
    assert found, f"no position in the style of {node_id}: {style}"
    return float(found.group(1)), float(found.group(2))


def words_field(page: Page, prompt: str, language: str = "en-US") -> Locator:
    """The words in `language` of the prompt field whose legend is `prompt`."""
    group = properties(page).get_by_role("group", name=prompt, exact=True)
    return group.get_by_label(f"Words in {language}", exact=True)


def fit_view(page: Page) -> None:
    """The canvas's "Show the whole flow" control, until every node is drawn (as many as the mini map has):
    a view the editor sets as it opens may land after the first click."""
    everything = page.locator(".react-flow__minimap-node")
    drawn = page.locator(".react-flow__node")
    for _ in range(5):
        page.get_by_role("button", name="Show the whole flow").click()
        settled(page)
        if drawn.count() >= everything.count():
            return
    raise AssertionError(f"Fit View draws {drawn.count()} of {everything.count()} nodes")


def new_flow(page: Page, flow: str, *, title: str = "", languages: str = "en-US") -> None:
    """Make an empty flow with the flow list's New flow dialog; the editor opens on it."""
    page.get_by_role("button", name="New flow", exact=True).click()
    dialog = page.get_by_role("dialog", name="New flow")
    dialog.get_by_label("Flow id").fill(flow)
    if title:
        dialog.get_by_label("Title", exact=True).fill(title)
    dialog.get_by_label("Languages").fill(languages)
    dialog.get_by_role("button", name="Create and open").click()
    expect(page).to_have_url(re.compile(rf"/flows/{flow}$"))
    expect(page.get_by_text("Drag a step from the left to begin")).to_be_visible()


def drop(page: Page, palette_button: str, x: int, y: int, new_id: str, *, type_name: str) -> None:
    """Drag a palette button onto the canvas at (x, y) of the pane: the new step appears there,
    selected, with its form in the properties panel."""
    page.get_by_role("button", name=palette_button, exact=True).drag_to(
        pane(page), target_position={"x": x, "y": y}
    )
    expect(page.get_by_role("group", name=f"Step {new_id} ({type_name})")).to_be_visible()
    expect(properties(page).get_by_label("Step id")).to_have_value(new_id)
