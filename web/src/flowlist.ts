/** What the flow list and the deploy pages work out for themselves: searching and sorting the
 * list, short versions, file names, and reading the API's errors (no rule the server owns). */
import { ApiError } from "./api/client";
import type { Diagnostic, FlowListEntry } from "./api/types";

export type FileForm = "json" | "flow";
export type FlowSort = "name" | "edited";

/** The first 8 characters of a version, as the log and people name it. */
export function shortVersion(version: string | null | undefined): string {
  return version ? version.slice(0, 8) : "";
}

/** Whether every word of `query` is in the flow's id or title (case does not matter). */
export function matchesSearch(flow: Pick<FlowListEntry, "id" | "title">, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const haystack = `${flow.id} ${flow.title ?? ""}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}

export function filterFlows<T extends Pick<FlowListEntry, "id" | "title">>(
  flows: readonly T[],
  query: string,
): T[] {
  return flows.filter((flow) => matchesSearch(flow, query));
}

/** By id, or the last edited first (then by id). */
export function sortFlows<T extends Pick<FlowListEntry, "id" | "updated">>(
  flows: readonly T[],
  sort: FlowSort,
): T[] {
  const byId = (a: T, b: T) => a.id.localeCompare(b.id);
  if (sort === "name") return [...flows].sort(byId);
  return [...flows].sort((a, b) => Date.parse(b.updated) - Date.parse(a.updated) || byId(a, b));
}

/** The file a flow is exported to. */
export function exportName(id: string, form: FileForm): string {
  return `${id}.${form}`;
}

/** The form of a file to import, by its name; null for any other kind of file. */
export function importForm(filename: string): FileForm | null {
  const match = /\.(json|flow)$/i.exec(filename);
  return match ? (match[1]?.toLowerCase() as FileForm) : null;
}

/** Languages typed as a list ("en-US, es-US" or one a line), each once, in order. */
export function parseLanguages(text: string): string[] {
  const seen: string[] = [];
  for (const part of text.split(/[\s,;]+/)) {
    if (part && !seen.includes(part)) seen.push(part);
  }
  return seen;
}

/** A document as its .json file holds it. */
export function jsonFileText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

function isDiagnostic(entry: unknown): entry is Diagnostic {
  return typeof entry === "object" && entry !== null && "code" in entry && "severity" in entry;
}

/** The diagnostics an error answer carries (a refused deploy, a file that does not convert). */
export function diagnosticsOf(error: unknown): Diagnostic[] {
  if (!(error instanceof ApiError)) return [];
  return (error.body?.errors ?? []).filter(isDiagnostic);
}

/** What went wrong in one sentence: the answer's own message (not its diagnostics), or the
 * error's text. */
export function headlineOf(error: unknown): string {
  if (error instanceof ApiError) {
    const plain = (error.body?.errors ?? []).filter((entry) => !isDiagnostic(entry));
    const first = plain[0]?.message;
    if (first) return first;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Where a diagnostic is: `file:line:col`, `line:col`, or its JSON pointer. */
export function whereOf(diagnostic: Diagnostic): string {
  const at =
    diagnostic.line != null
      ? diagnostic.column != null
        ? `${diagnostic.line}:${diagnostic.column}`
        : `${diagnostic.line}`
      : "";
  if (diagnostic.path && at) return `${diagnostic.path}:${at}`;
  if (at) return at;
  if (diagnostic.node) return diagnostic.pointer || diagnostic.node;
  return diagnostic.pointer || diagnostic.path || "";
}

/** An ISO time as people read it, in the UI's language (the ISO itself when it is no time). */
export function readableTime(iso: string, language?: string): string {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toLocaleString(language);
}
