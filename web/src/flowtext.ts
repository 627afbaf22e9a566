/** What the text view (the draft as DSL) works out for itself: where in the text a finding of
 * the server points, and which findings of an error answer have a place. The parsing is the
 * server's (POST /api/convert). */
import { ApiError } from "./api/client";

export interface TextProblem {
  message: string;
  line: number | null;
  column: number | null;
}

/** The offset in `text` (UTF-16, as a textarea counts) of a 1-based line and column, the
 * column counted in characters as the server counts them; clamped to the text. */
export function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split("\n");
  const row = Math.min(Math.max(line, 1), lines.length) - 1;
  let offset = 0;
  for (let i = 0; i < row; i++) offset += (lines[i] as string).length + 1;
  const here = Array.from(lines[row] ?? "");
  return offset + here.slice(0, Math.max(column, 1) - 1).join("").length;
}

/** The problems an error answer reports: its findings that have a line first (those are what
 * the text got wrong), else its messages. */
export function problemsOf(error: unknown): TextProblem[] {
  if (!(error instanceof ApiError)) {
    return [
      { message: error instanceof Error ? error.message : String(error), line: null, column: null },
    ];
  }
  const entries = (error.body?.errors ?? []) as {
    message: string;
    line?: number | null;
    column?: number | null;
  }[];
  const located = entries.filter((e) => typeof e.line === "number");
  const chosen = located.length ? located : entries;
  if (!chosen.length) return [{ message: error.message, line: null, column: null }];
  return chosen.map((e) => ({
    message: e.message,
    line: e.line ?? null,
    column: e.column ?? null,
  }));
}
