/** What the recording studio makes of the prompt library (GET /api/prompts): the status chips of
 * a prompt in a language, the list's filters and search, the progress line, and the steps of a
 * recording session. Pure, so that vitest checks it; the server decides every status. */
import type { PromptLanguageState, PromptSummary } from "./api/types";

export const FILTERS = ["all", "missing", "synthesised", "recorded", "stale"] as const;
export type PromptFilter = (typeof FILTERS)[number];

/** What a chip says of a prompt in one language. */
export type Chip = "missing" | "synthesised" | "recorded" | "approved" | "stale";

/** A take made by a person (recorded in the studio or uploaded), not a synthesised stand-in. */
export function isRecorded(state: PromptLanguageState | undefined): boolean {
  return (
    !!state &&
    state.status !== "missing" &&
    (state.source === "recorded" || state.source === "uploaded")
  );
}

/** The chips of a prompt in a language: what callers hear (missing, a synthesised stand-in, a
 * recording, an approved one), and stale when the script changed since that take was made. */
export function chipsOf(state: PromptLanguageState | undefined): Chip[] {
  if (!state || state.status === "missing" || state.take === null) return ["missing"];
  const chips: Chip[] = [];
  if (state.source === "synthesised") {
    chips.push("synthesised");
    if (state.status === "approved") chips.push("approved");
  } else {
    chips.push(state.status === "approved" ? "approved" : "recorded");
  }
  if (state.stale) chips.push("stale");
  return chips;
}

export function matchesFilter(
  state: PromptLanguageState | undefined,
  filter: PromptFilter,
): boolean {
  switch (filter) {
    case "all":
      return true;
    case "missing":
      return !state || state.status === "missing" || state.take === null;
    case "synthesised":
      return !!state && state.take !== null && state.source === "synthesised";
    case "recorded":
      return isRecorded(state);
    case "stale":
      return !!state && state.stale;
  }
}

/** Text as search compares it: width and case folded (full-width Ｗ finds W), spaces single. */
export function folded(text: string): string {
  return text.normalize("NFKC").toLocaleLowerCase().replace(/\s+/g, " ").trim();
}

/** A search over a prompt's id and its texts in every language (Chinese ones too): every word
 * of the query somewhere in them. */
export function matchesQuery(prompt: PromptSummary, query: string): boolean {
  const words = folded(query).split(" ").filter(Boolean);
  if (!words.length) return true;
  const haystack = folded(
    [prompt.id, prompt.note ?? "", ...Object.values(prompt.languages).map((l) => l.text)].join(
      "\n",
    ),
  );
  return words.every((word) => haystack.includes(word));
}

export interface ListView {
  language: string;
  filter: PromptFilter;
  query: string;
}

/** The prompts the list shows, in the server's order (by id): those the language has, through
 * the filter and the search. */
export function shownPrompts(prompts: readonly PromptSummary[], view: ListView): PromptSummary[] {
  return prompts.filter((prompt) => {
    const state = prompt.languages[view.language];
    return state && matchesFilter(state, view.filter) && matchesQuery(prompt, view.query);
  });
}

export interface Progress {
  /** Prompts with a person's take callers hear. */
  recorded: number;
  approved: number;
  synthesised: number;
  missing: number;
  stale: number;
  /** Prompts the language has. */
  total: number;
}

/** How far the language is: "12 of 30 recorded in en-US", and the rest by kind. */
export function progressOf(prompts: readonly PromptSummary[], language: string): Progress {
  const out: Progress = {
    recorded: 0,
    approved: 0,
    synthesised: 0,
    missing: 0,
    stale: 0,
    total: 0,
  };
  for (const prompt of prompts) {
    const state = prompt.languages[language];
    if (!state) continue;
    out.total += 1;
    if (isRecorded(state)) out.recorded += 1;
    if (state.status === "approved") out.approved += 1;
    if (matchesFilter(state, "synthesised")) out.synthesised += 1;
    if (matchesFilter(state, "missing")) out.missing += 1;
    if (state.stale) out.stale += 1;
  }
  return out;
}

/** The language the studio opens on: the one asked for, else the one of the UI's language
 * (Chinese for a Chinese UI), else the first. */
export function pickLanguage(
  languages: readonly string[],
  wanted: string | null,
  ui: string,
): string {
  if (wanted && languages.includes(wanted)) return wanted;
  const base = ui.split("-")[0]?.toLowerCase() ?? "";
  return (
    languages.find((l) => l.toLowerCase() === ui.toLowerCase()) ??
    languages.find((l) => l.split("-")[0]?.toLowerCase() === base) ??
    languages[0] ??
    ""
  );
}

/** A step in a list of `length`, from `index` by `delta`, held at its ends. */
export function stepTo(index: number, delta: number, length: number): number {
  if (length <= 0) return 0;
  return Math.max(0, Math.min(length - 1, index + delta));
}

/** What a keyboard shortcut never fires in: a field being typed in (text inputs, text areas,
 * selects, editable content). Buttons, checkboxes and the page are not. */
export function isTyping(target: unknown): boolean {
  if (!target || typeof target !== "object") return false;
  const element = target as { tagName?: string; type?: string; isContentEditable?: boolean };
  if (element.isContentEditable) return true;
  const tag = element.tagName?.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const kind = (element.type ?? "text").toLowerCase();
  return !["button", "submit", "reset", "checkbox", "radio", "range", "file", "color"].includes(
    kind,
  );
}

/** A duration as the studio shows it: "2.4 s", "1:05". */
export function seconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const total = ms / 1000;
  if (total < 60) return `${total.toFixed(1)} s`;
  const whole = Math.round(total);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/** A level in dBFS from the loudest sample of a block (full scale 1.0), floored at `floor`. */
export function peakDb(samples: ArrayLike<number>, floor = -60): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = Math.abs(samples[i] ?? 0);
    if (s > peak) peak = s;
  }
  if (peak <= 0) return floor;
  return Math.max(floor, Math.min(0, 20 * Math.log10(peak)));
}

/** A file name for a take recorded in the studio (the catalog keeps it as the take's original). */
export function recordingName(promptId: string, language: string): string {
  return `${promptId.replace(/[^A-Za-z0-9._-]+/g, "_")}.${language}.studio.wav`;
}
