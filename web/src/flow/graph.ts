/** The canvas's picture of a document: React Flow nodes and edges. Built again after every
 * change, reusing the objects of what did not change, so React Flow re-renders only those. */
import { type Edge, type Node, type NodeHandle, Position } from "@xyflow/react";
import type { Diagnostic } from "../api/types";
import { START, steps } from "./edit";
import { stepSize } from "./layout";
import { type Exit, exitsOf } from "./schema";
import type { FlowDoc, Note, Point, StepDoc } from "./types";

/** How the canvas marks a step: on a test call's path, or in a diff of two revisions. */
export type Mark = "active" | "visited" | "added" | "changed" | "removed";

export interface StepData extends Record<string, unknown> {
  id: string;
  step: StepDoc;
  exits: Exit[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Handles drawn in the problem colour: unconnected exits a diagnostic is about. */
  flagged: string[];
  start: boolean;
  mark?: Mark;
}

export interface NoteData extends Record<string, unknown> {
  note: Note;
}

export interface StartData extends Record<string, unknown> {
  start?: string;
  onError?: string;
}

export type StepNode = Node<StepData, "step">;
export type NoteNode = Node<NoteData, "note">;
export type StartNode = Node<StartData, "start">;
export type CanvasNode = StepNode | NoteNode | StartNode;

export interface Picture {
  nodes: CanvasNode[];
  edges: Edge[];
}

export interface PictureInput {
  doc: FlowDoc;
  diagnostics: Diagnostic[];
  /** Where steps that the document does not place are drawn (from the auto-layout). */
  fill: Record<string, Point>;
  marks: Record<string, Mark>;
  selected: ReadonlySet<string>;
}

const START_AT: Point = { x: -260, y: 0 };

export function stepAt(step: StepDoc, id: string, fill: Record<string, Point>): Point {
  const x = step.ui?.x;
  const y = step.ui?.y;
  if (typeof x === "number" && typeof y === "number") return { x, y };
  return fill[id] ?? { x: 0, y: 0 };
}

/** Diagnostics by the step they are about. */
export function byStep(diagnostics: Diagnostic[]): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    if (!d.node) continue;
    const list = out.get(d.node) ?? [];
    list.push(d);
    out.set(d.node, list);
  }
  return out;
}

function flaggedExits(id: string, exits: Exit[], found: Diagnostic[]): string[] {
  const base = `/nodes/${id.replaceAll("~", "~0").replaceAll("/", "~1")}`;
  return exits
    .filter((exit) => !exit.target)
    .filter((exit) =>
      found.some((d) => {
        const path = exit.index === undefined ? exit.field : `${exit.field}/${exit.index}`;
        if (d.pointer.startsWith(`${base}/${path}`)) return true;
        return d.pointer === base && new RegExp(`\\b${exit.field}\\b`).test(d.message);
      }),
    )
    .map((exit) => exit.handle);
}

export function picture(input: PictureInput, previous?: Picture): Picture {
  const { doc, diagnostics, fill, marks, selected } = input;
  const old = new Map((previous?.nodes ?? []).map((n) => [n.id, n]));
  const found = byStep(diagnostics);
  const nodes: CanvasNode[] = [];
  const edges: Edge[] = [];
  const startAt = (doc.ui?.start as Point | undefined) ?? START_AT;
  nodes.push(
    reuse(old.get(START), {
      id: START,
      type: "start",
      position: startAt,
      data: { start: doc.start, onError: doc.on_error },
      selected: selected.has(START),
      deletable: false,
    }),
  );
  const all = steps(doc);
  for (const [field, handle] of [
    [doc.start, "start"],
    [doc.on_error, "on_error"],
  ] as const) {
    if (field && field in all) edges.push(edge(START, handle, field));
  }
  for (const [id, step] of Object.entries(all)) {
    const mine = found.get(id) ?? [];
    const exits = exitsOf(step);
    const data: StepData = {
      id,
      step,
      exits,
      errors: mine.filter((d) => d.severity === "error"),
      warnings: mine.filter((d) => d.severity === "warning"),
      flagged: flaggedExits(id, exits, mine),
      start: doc.start === id,
      mark: marks[id],
    };
    nodes.push(
      reuse(old.get(id), {
        id,
        type: "step",
        position: stepAt(step, id, fill),
        data,
        selected: selected.has(id),
        // Sizes and handles told beforehand: React Flow need not mount every step of a big
        // flow to measure it before it can leave out those off screen.
        measured: stepSize(exits.length),
        handles: handlesOf(exits),
      }),
    );
    for (const exit of exits) {
      if (exit.target && exit.target in all) edges.push(edge(id, exit.handle, exit.target));
    }
  }
  for (const note of doc.ui?.notes ?? []) {
    nodes.push(
      reuse(old.get(note.id), {
        id: note.id,
        type: "note",
        position: { x: note.x, y: note.y },
        data: { note },
        selected: selected.has(note.id),
      }),
    );
  }
  return { nodes, edges };
}

const HANDLE = 11;

function handlesOf(exits: Exit[]): NodeHandle[] {
  const { width, height } = stepSize(exits.length);
  const top = height - 24 * exits.length;
  const half = HANDLE / 2;
  return [
    {
      id: "in",
      type: "target",
      position: Position.Left,
      x: -half,
      y: height / 2 - half,
      width: HANDLE,
      height: HANDLE,
    },
    ...exits.map((exit, i) => ({
      id: exit.handle,
      type: "source" as const,
      position: Position.Right,
      x: width - half,
      y: top + 24 * i + 12 - half,
      width: HANDLE,
      height: HANDLE,
    })),
  ];
}

function edge(source: string, handle: string, target: string): Edge {
  return {
    id: `${source}|${handle}`,
    source,
    sourceHandle: handle,
    target,
    targetHandle: "in",
  };
}

/** The old node when nothing the canvas draws changed, so its memoised component is skipped;
 * else the old node with the new parts (keeping what React Flow measured of it). */
function reuse<T extends CanvasNode>(old: CanvasNode | undefined, fresh: T): T {
  if (!old || old.type !== fresh.type) return fresh;
  const data = sameData(old, fresh);
  if (
    data === old.data &&
    old.position.x === fresh.position.x &&
    old.position.y === fresh.position.y &&
    Boolean(old.selected) === Boolean(fresh.selected)
  ) {
    return old as T;
  }
  return { ...old, position: fresh.position, selected: fresh.selected, data } as T;
}

function sameData(old: CanvasNode, fresh: CanvasNode): CanvasNode["data"] {
  const a = old.data as Record<string, unknown>;
  const b = fresh.data as Record<string, unknown>;
  if (Object.keys(a).length !== Object.keys(b).length) return fresh.data;
  for (const key of Object.keys(b)) {
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (Array.isArray(x) && Array.isArray(y) && JSON.stringify(x) === JSON.stringify(y)) continue;
    return fresh.data;
  }
  return old.data;
}
