/** Undo and redo over whole documents (they are immutable, so a step back is the old object).
 * A burst of changes with the same key (keystrokes in one field, a drag) within `GROUP_MS` is
 * one step; selection is never part of it. */
import type { FlowDoc } from "./types";

export const GROUP_MS = 1000;
const LIMIT = 200;

export interface History {
  past: FlowDoc[];
  future: FlowDoc[];
  /** The key and time of the last change, to group a burst. */
  key: string | null;
  at: number;
}

export const EMPTY: History = { past: [], future: [], key: null, at: 0 };

/** `before` is the document the change replaces. */
export function record(h: History, before: FlowDoc, key: string | null, now: number): History {
  if (key !== null && key === h.key && now - h.at < GROUP_MS) return { ...h, future: [], at: now };
  const past = [...h.past, before].slice(-LIMIT);
  return { past, future: [], key, at: now };
}

export function undo(h: History, current: FlowDoc): [History, FlowDoc] | null {
  const previous = h.past[h.past.length - 1];
  if (!previous) return null;
  return [
    { past: h.past.slice(0, -1), future: [current, ...h.future], key: null, at: 0 },
    previous,
  ];
}

export function redo(h: History, current: FlowDoc): [History, FlowDoc] | null {
  const next = h.future[0];
  if (!next) return null;
  return [{ past: [...h.past, current], future: h.future.slice(1), key: null, at: 0 }, next];
}
