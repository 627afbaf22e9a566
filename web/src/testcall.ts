/** What the test-call panel makes of the server's answers (POST /api/simulate/calls and its
 * events): the lines of the transcript, the prompts to speak, and the path to mark on the
 * canvas. The call itself runs on the server's engine; nothing here decides what a flow does. */
import type { DeployRecord, TestCall, TestEvent } from "./api/types";
import type { Mark } from "./flow/graph";

/** One line of the transcript: what the caller heard or did, or what happened on the call. */
export type Line =
  | { kind: "heard"; text: string; language: string; audioUrl: string | null }
  | { kind: "pressed"; digits: string }
  | { kind: "said"; text: string }
  | { kind: "silence" }
  | { kind: "hungUp" }
  | { kind: "recorded" }
  | { kind: "transferOutcome"; outcome: string }
  | { kind: "note"; node: string; text: string }
  | { kind: "transfer"; queue: string | null; number: string | null }
  | { kind: "ended" };

/** A prompt to speak aloud: its recording when the server has one, else its text. */
export interface Prompt {
  text: string;
  language: string;
  audioUrl: string | null;
}

type Fields = Record<string, unknown>;

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** What the caller did, as the transcript says it. */
export function lineOfEvent(event: TestEvent): Line {
  switch (event.type) {
    case "digits":
      return { kind: "pressed", digits: event.digits };
    case "speech":
      return { kind: "said", text: event.text };
    case "timeout":
      return { kind: "silence" };
    case "hangup":
      return { kind: "hungUp" };
    case "recording":
      return { kind: "recorded" };
    case "transfer":
      return { kind: "transferOutcome", outcome: event.outcome };
    default:
      return { kind: "note", node: "", text: event.type };
  }
}

/** What the caller noticed of one answer, in order: prompts (with the recording played, when
 * there is one, else spoken from the text), notes of the steps (an HTTP step's error),
 * transfers; and the end of the call. */
export function linesOf(answer: TestCall): Line[] {
  const lines: Line[] = [];
  for (const action of answer.actions as Fields[]) {
    if (action.action === "play") {
      const said = text(action.text);
      if (said) {
        lines.push({
          kind: "heard",
          text: said,
          language: text(action.language) ?? "",
          audioUrl: text(action.audio_url),
        });
      }
    } else if (action.action === "trace") {
      const note = text(action.note);
      if (note) lines.push({ kind: "note", node: text(action.node) ?? "", text: note });
    } else if (action.action === "transfer") {
      lines.push({ kind: "transfer", queue: text(action.queue), number: text(action.number) });
    }
  }
  if (answer.ended) lines.push({ kind: "ended" });
  return lines;
}

/** The prompts of one answer, in the order the caller hears them. */
export function promptsOf(answer: TestCall): Prompt[] {
  return (answer.actions as Fields[]).flatMap((action) => {
    const said = text(action.text);
    if (action.action !== "play" || !said) return [];
    return [
      { text: said, language: text(action.language) ?? "", audioUrl: text(action.audio_url) },
    ];
  });
}

/** The step the call is at: the one it waits in, else the last one it entered. */
export function activeStep(answer: TestCall, before: string | null = null): string | null {
  const waiting = text((answer.waiting_for as Fields | null)?.node);
  if (waiting) return waiting;
  return answer.path[answer.path.length - 1] ?? before;
}

/** Every step of the paths so far, in the order first entered. */
export function walked(before: readonly string[], answer: TestCall): string[] {
  const seen = new Set(before);
  const out = [...before];
  for (const id of answer.path) {
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

/** The canvas's marks for a call: every step walked visited, the one it is at active. */
export function pathMarks(visited: readonly string[], active: string | null): Record<string, Mark> {
  const marks: Record<string, Mark> = {};
  for (const id of visited) marks[id] = "visited";
  if (active) marks[active] = "active";
  return marks;
}

/** The keys of the keypad, and the name each has for a screen reader. */
export const KEYS = [
  ["1", "1"],
  ["2", "2"],
  ["3", "3"],
  ["4", "4"],
  ["5", "5"],
  ["6", "6"],
  ["7", "7"],
  ["8", "8"],
  ["9", "9"],
  ["*", "star"],
  ["0", "0"],
  ["#", "hash"],
] as const;

export interface Deployed {
  version: string;
  when: string;
  who: string;
}

/** The versions of a flow that were ever live, newest first, each once. */
export function deployedVersions(log: DeployRecord[]): Deployed[] {
  const seen = new Set<string>();
  const out: Deployed[] = [];
  for (const record of log) {
    if (!record.version || seen.has(record.version)) continue;
    if (record.result !== "deployed" && record.result !== "rolled-back") continue;
    seen.add(record.version);
    out.push({ version: record.version, when: record.when, who: record.who });
  }
  return out;
}
