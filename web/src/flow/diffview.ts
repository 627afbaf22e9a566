/** What the canvas shows for the differences between two revisions of a flow: the newer
 * revision's document, with the steps the older one had and the newer one removed put back in
 * (marked "removed", where they were), and every step the diff names marked. The diff itself is
 * the server's (GET /api/flows/{id}/diff); this only draws it. */
import type { FlowDiff } from "../api/types";
import { steps } from "./edit";
import type { Mark } from "./graph";
import type { FlowDoc, Point, StepDoc } from "./types";

export interface DiffView {
  doc: FlowDoc;
  marks: Record<string, Mark>;
}

/** Room between a removed step that has no place and the steps that have one. */
const GAP_X = 320;
const GAP_Y = 180;

/** The newer document with the removed steps of the older one added back, and the marks:
 * added, changed, removed. Steps whose designer data (`ui`) alone changed are not marked: they
 * change nothing a caller hears. `fill` is where the canvas draws steps that have no place. */
export function diffView(
  older: FlowDoc | null,
  newer: FlowDoc | null,
  diff: Pick<FlowDiff, "added" | "removed" | "changed">,
  fill: Record<string, Point> = {},
): DiffView {
  const base: FlowDoc = newer ?? { flow: older?.flow ?? "" };
  const shown: Record<string, StepDoc> = { ...steps(base) };
  const marks: Record<string, Mark> = {};
  for (const id of diff.added) if (id in shown) marks[id] = "added";
  for (const id of Object.keys(diff.changed)) if (id in shown) marks[id] = "changed";

  const old = older ? steps(older) : {};
  const removed = diff.removed.filter((id) => id in old && !(id in shown));
  let right = rightmost(shown, fill);
  let row = 0;
  for (const id of removed) {
    const step = old[id] as StepDoc;
    if (placed(step) || fill[id]) {
      shown[id] = step;
    } else {
      // Where the older revision drew it is unknown: beside the rest, one under the other.
      if (row === 0) right += GAP_X;
      shown[id] = { ...step, ui: { ...step.ui, x: right, y: row * GAP_Y } };
      row += 1;
    }
    marks[id] = "removed";
  }
  return { doc: { ...base, nodes: shown }, marks };
}

function placed(step: StepDoc): boolean {
  return typeof step.ui?.x === "number" && typeof step.ui?.y === "number";
}

function rightmost(all: Record<string, StepDoc>, fill: Record<string, Point>): number {
  let x = 0;
  for (const [id, step] of Object.entries(all)) {
    const at = placed(step) ? (step.ui?.x as number) : fill[id]?.x;
    if (at !== undefined && at > x) x = at;
  }
  return x;
}

/** A value of a field change as one short line: JSON, cut at `max` characters. */
export function shortJson(value: unknown, max = 60): string {
  let text: string;
  try {
    text = value === undefined ? "" : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Whether the diff finds nothing at all that differs. */
export function noDifference(diff: FlowDiff): boolean {
  return (
    !diff.added.length &&
    !diff.removed.length &&
    !Object.keys(diff.changed).length &&
    !diff.flow.length &&
    !diff.layout.length &&
    !(diff as { canvas?: boolean }).canvas
  );
}

/** The older and the newer of two revision numbers. */
export function inOrder(a: number, b: number): [number, number] {
  return a < b ? [a, b] : [b, a];
}
