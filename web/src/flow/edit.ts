/** Changes to a flow document, as pure functions: each returns a new document and leaves the
 * old one as it was, so that undo is keeping the old one. Fields the designer does not know are
 * carried over untouched. */
import { exitsOf, newStep } from "./schema";
import type { FlowDoc, Note, Point, StepDoc } from "./types";

/** The pseudo-step drawn for the flow's own exits: where a call starts, where errors go. */
export const START = "@start";
const FLOW_EXITS = ["start", "on_error"] as const;

export function steps(doc: FlowDoc): Record<string, StepDoc> {
  return doc.nodes ?? {};
}

export function languages(doc: FlowDoc): string[] {
  return doc.languages?.length ? doc.languages : ["en-US"];
}

/** A step id not yet used: `menu`, then `menu_2`, `menu_3`... */
export function freeId(doc: FlowDoc, base: string): string {
  const taken = steps(doc);
  const stem = base.replace(/[^A-Za-z0-9_-]/g, "_").replace(/^([^A-Za-z_])/, "_$1") || "step";
  if (!(stem in taken)) return stem;
  for (let n = 2; ; n++) {
    const id = `${stem}_${n}`;
    if (!(id in taken)) return id;
  }
}

function withSteps(doc: FlowDoc, nodes: Record<string, StepDoc>): FlowDoc {
  return { ...doc, nodes };
}

export function addStep(doc: FlowDoc, type: string, at: Point): [FlowDoc, string] {
  const id = freeId(doc, type);
  const step = {
    ...newStep(type, languages(doc)),
    ui: { x: Math.round(at.x), y: Math.round(at.y) },
  };
  let next = withSteps(doc, { ...steps(doc), [id]: step });
  if (!next.start) next = { ...next, start: id };
  return [next, id];
}

export function replaceStep(doc: FlowDoc, id: string, step: StepDoc): FlowDoc {
  if (!(id in steps(doc))) return doc;
  return withSteps(doc, { ...steps(doc), [id]: step });
}

/** Sets one exit: `handle` is a field (`next`) or a list item (`choices.0`). */
function setExit(step: StepDoc, handle: string, target: string | undefined): StepDoc {
  const [field, index] = handle.split(".");
  if (field === undefined) return step;
  if (index === undefined) {
    const { [field]: _old, ...rest } = step;
    return (target ? { ...rest, [field]: target } : rest) as StepDoc;
  }
  const list = Array.isArray(step[field]) ? [...(step[field] as Record<string, unknown>[])] : [];
  const at = Number(index);
  const item = list[at];
  if (!item) return step;
  // The node id of a list item (a menu's choice, a branch's case) is its `next`.
  const { next: _old, ...rest } = item;
  list[at] = target ? { ...rest, next: target } : rest;
  return { ...step, [field]: list };
}

export function connect(
  doc: FlowDoc,
  source: string,
  handle: string,
  target: string | undefined,
): FlowDoc {
  if (source === START) {
    if (!(FLOW_EXITS as readonly string[]).includes(handle)) return doc;
    const { [handle]: _old, ...rest } = doc;
    return (target ? { ...rest, [handle]: target } : rest) as FlowDoc;
  }
  const step = steps(doc)[source];
  // Only an exit the step's type has: a hangup gets no `next`.
  if (!step || !exitsOf(step).some((exit) => exit.handle === handle)) return doc;
  return replaceStep(doc, source, setExit(step, handle, target));
}

export function disconnect(doc: FlowDoc, source: string, handle: string): FlowDoc {
  return connect(doc, source, handle, undefined);
}

export function moveSteps(doc: FlowDoc, moves: Record<string, Point>): FlowDoc {
  const nodes = { ...steps(doc) };
  let notes = doc.ui?.notes;
  for (const [id, at] of Object.entries(moves)) {
    const point = { x: Math.round(at.x), y: Math.round(at.y) };
    const step = nodes[id];
    if (step) nodes[id] = { ...step, ui: { ...step.ui, ...point } };
    else if (notes?.some((n) => n.id === id)) {
      notes = notes.map((n) => (n.id === id ? { ...n, ...point } : n));
    }
  }
  const next = withSteps(doc, nodes);
  return notes === doc.ui?.notes ? next : { ...next, ui: { ...next.ui, notes } };
}

/** Removes steps and notes; exits that led to a removed step are left unconnected. */
export function remove(doc: FlowDoc, ids: Iterable<string>): FlowDoc {
  const gone = new Set(ids);
  const nodes: Record<string, StepDoc> = {};
  for (const [id, step] of Object.entries(steps(doc))) {
    if (!gone.has(id)) nodes[id] = step;
  }
  let next = withSteps(doc, nodes);
  for (const [id, step] of Object.entries(nodes)) {
    for (const exit of exitsOf(step)) {
      if (exit.target && gone.has(exit.target)) next = disconnect(next, id, exit.handle);
    }
  }
  for (const field of FLOW_EXITS) {
    const target = next[field];
    if (typeof target === "string" && gone.has(target)) next = disconnect(next, START, field);
  }
  const notes = doc.ui?.notes?.filter((n) => !gone.has(n.id));
  if (notes && notes.length !== doc.ui?.notes?.length)
    next = { ...next, ui: { ...next.ui, notes } };
  return next;
}

/** Renames a step and every exit that leads to it. */
export function rename(doc: FlowDoc, from: string, to: string): FlowDoc {
  const all = steps(doc);
  const step = all[from];
  if (!step || from === to || to in all) return doc;
  const nodes: Record<string, StepDoc> = {};
  for (const [id, s] of Object.entries(all)) nodes[id === from ? to : id] = s;
  let next = withSteps(doc, nodes);
  for (const [id, s] of Object.entries(nodes)) {
    for (const exit of exitsOf(s)) {
      if (exit.target === from) next = connect(next, id, exit.handle, to);
    }
  }
  for (const field of FLOW_EXITS) {
    if (next[field] === from) next = { ...next, [field]: to };
  }
  return next;
}

/** What Copy keeps: the chosen steps and notes, as they are. */
export interface Clip {
  steps: Record<string, StepDoc>;
  notes: Note[];
}

export function copy(doc: FlowDoc, ids: Iterable<string>): Clip {
  const chosen = new Set(ids);
  const clip: Clip = { steps: {}, notes: [] };
  for (const [id, step] of Object.entries(steps(doc))) if (chosen.has(id)) clip.steps[id] = step;
  clip.notes = (doc.ui?.notes ?? []).filter((n) => chosen.has(n.id));
  return clip;
}

/** Pastes a clip `offset` away from where it was copied, under new ids; exits between pasted
 * steps lead to the pasted copies, the others keep their targets. Returns the new ids. */
export function paste(doc: FlowDoc, clip: Clip, offset: Point): [FlowDoc, string[]] {
  let next = doc;
  const renamed = new Map<string, string>();
  for (const id of Object.keys(clip.steps)) {
    const fresh = freeId(next, id);
    renamed.set(id, fresh);
    next = withSteps(next, { ...steps(next), [fresh]: { type: "hangup" } });
  }
  const nodes = { ...steps(next) };
  for (const [id, step] of Object.entries(clip.steps)) {
    const fresh = renamed.get(id) as string;
    let copyOf: StepDoc = {
      ...step,
      ui: { ...step.ui, x: (step.ui?.x ?? 0) + offset.x, y: (step.ui?.y ?? 0) + offset.y },
    };
    for (const exit of exitsOf(copyOf)) {
      const inside = exit.target ? renamed.get(exit.target) : undefined;
      if (inside) copyOf = setExit(copyOf, exit.handle, inside);
    }
    nodes[fresh] = copyOf;
  }
  next = withSteps(next, nodes);
  const pastedNotes: string[] = [];
  for (const note of clip.notes) {
    const id = freeNoteId(next);
    pastedNotes.push(id);
    const moved = { ...note, id, x: note.x + offset.x, y: note.y + offset.y };
    next = { ...next, ui: { ...next.ui, notes: [...(next.ui?.notes ?? []), moved] } };
  }
  return [next, [...renamed.values(), ...pastedNotes]];
}

function freeNoteId(doc: FlowDoc): string {
  const taken = new Set((doc.ui?.notes ?? []).map((n) => n.id));
  for (let n = taken.size + 1; ; n++) if (!taken.has(`note_${n}`)) return `note_${n}`;
}

export function addNote(doc: FlowDoc, at: Point, text: string): [FlowDoc, string] {
  const id = freeNoteId(doc);
  const note: Note = { id, x: Math.round(at.x), y: Math.round(at.y), text, color: "yellow" };
  return [{ ...doc, ui: { ...doc.ui, notes: [...(doc.ui?.notes ?? []), note] } }, id];
}

export function changeNote(doc: FlowDoc, id: string, change: Partial<Note>): FlowDoc {
  const notes = (doc.ui?.notes ?? []).map((n) => (n.id === id ? { ...n, ...change } : n));
  return { ...doc, ui: { ...doc.ui, notes } };
}

export function colour(doc: FlowDoc, ids: Iterable<string>, value: string): FlowDoc {
  let next = doc;
  for (const id of ids) {
    const step = steps(next)[id];
    if (step) {
      const { color: _old, ...ui } = step.ui ?? {};
      next = replaceStep(next, id, {
        ...step,
        ui: value === "none" ? ui : { ...ui, color: value },
      });
    } else next = changeNote(next, id, { color: value });
  }
  return next;
}

/** Positions for steps the document does not place (a flow written by hand): kept in every
 * step's `ui`, so that a save and a reload show the same picture. */
export function place(doc: FlowDoc, positions: Record<string, Point>): FlowDoc {
  const missing: Record<string, Point> = {};
  for (const [id, step] of Object.entries(steps(doc))) {
    const at = positions[id];
    if (at && (typeof step.ui?.x !== "number" || typeof step.ui?.y !== "number")) missing[id] = at;
  }
  return Object.keys(missing).length ? moveSteps(doc, missing) : doc;
}

export function unplaced(doc: FlowDoc): string[] {
  return Object.entries(steps(doc))
    .filter(([, s]) => typeof s.ui?.x !== "number" || typeof s.ui?.y !== "number")
    .map(([id]) => id);
}
