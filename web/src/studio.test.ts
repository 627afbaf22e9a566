import { describe, expect, it } from "vitest";
import type { PromptLanguageState, PromptSummary } from "./api/types";
import {
  chipsOf,
  isTyping,
  matchesQuery,
  peakDb,
  pickLanguage,
  progressOf,
  recordingName,
  seconds,
  shownPrompts,
  stepTo,
} from "./studio";

function state(more: Partial<PromptLanguageState> = {}): PromptLanguageState {
  return {
    text: "",
    status: "missing",
    source: null,
    stale: false,
    take: null,
    duration_ms: null,
    audio_url: null,
    takes_count: 0,
    ...more,
  };
}

const missing = state();
const synthesised = state({ status: "draft", source: "synthesised", take: 1 });
const recorded = state({ status: "draft", source: "recorded", take: 2 });
const uploaded = state({ status: "draft", source: "uploaded", take: 1 });
const approved = state({ status: "approved", source: "recorded", take: 3 });
const stale = state({ status: "draft", source: "recorded", take: 1, stale: true });

function prompt(id: string, languages: Record<string, PromptLanguageState>): PromptSummary {
  return { id, note: null, in_catalog: true, used_by: [], languages };
}

const library: PromptSummary[] = [
  prompt("hotline_welcome", {
    "en-US": { ...missing, text: "Welcome to the Example hotline." },
    "zh-CN": { ...recorded, text: "欢迎致电示例热线。" },
  }),
  prompt("menu/main", {
    "en-US": { ...synthesised, text: "For opening hours, press 1." },
    "zh-CN": { ...missing, text: "查询营业时间请按1。" },
  }),
  prompt("goodbye", {
    "en-US": { ...approved, text: "Thank you for calling. Goodbye." },
  }),
  prompt("closed", {
    "en-US": { ...stale, text: "We are closed." },
    "zh-CN": { ...uploaded, text: "我们已经下班了。" },
  }),
];

function ids(list: PromptSummary[]): string[] {
  return list.map((p) => p.id);
}

describe("the chips of a prompt in a language", () => {
  it("say what callers hear, stale standing beside it", () => {
    expect(chipsOf(undefined)).toEqual(["missing"]);
    expect(chipsOf(missing)).toEqual(["missing"]);
    expect(chipsOf(synthesised)).toEqual(["synthesised"]);
    expect(chipsOf(recorded)).toEqual(["recorded"]);
    expect(chipsOf(uploaded)).toEqual(["recorded"]);
    expect(chipsOf(approved)).toEqual(["approved"]);
    expect(chipsOf(stale)).toEqual(["recorded", "stale"]);
    expect(chipsOf({ ...synthesised, status: "approved" })).toEqual(["synthesised", "approved"]);
  });
});

describe("the prompt list", () => {
  const view = { language: "en-US", filter: "all" as const, query: "" };

  it("shows every prompt the language has", () => {
    expect(ids(shownPrompts(library, view))).toEqual([
      "hotline_welcome",
      "menu/main",
      "goodbye",
      "closed",
    ]);
    expect(ids(shownPrompts(library, { ...view, language: "zh-CN" }))).toEqual([
      "hotline_welcome",
      "menu/main",
      "closed",
    ]);
  });

  it("filters by what callers hear", () => {
    const by = (filter: "missing" | "synthesised" | "recorded" | "stale", language = "en-US") =>
      ids(shownPrompts(library, { ...view, filter, language }));
    expect(by("missing")).toEqual(["hotline_welcome"]);
    expect(by("synthesised")).toEqual(["menu/main"]);
    expect(by("recorded")).toEqual(["goodbye", "closed"]);
    expect(by("stale")).toEqual(["closed"]);
    expect(by("recorded", "zh-CN")).toEqual(["hotline_welcome", "closed"]);
    expect(by("missing", "zh-CN")).toEqual(["menu/main"]);
  });

  it("searches ids and texts in every language, Chinese too, word by word", () => {
    const find = (query: string) => ids(shownPrompts(library, { ...view, query }));
    expect(find("menu/")).toEqual(["menu/main"]);
    expect(find("WELCOME hotline")).toEqual(["hotline_welcome"]);
    expect(find("营业")).toEqual(["menu/main"]);
    expect(find("热线")).toEqual(["hotline_welcome"]);
    expect(find("ｇｏｏｄｂｙｅ")).toEqual(["goodbye"]);
    expect(find("  ")).toHaveLength(4);
    expect(find("nothing like it")).toEqual([]);
    expect(matchesQuery(library[0] as PromptSummary, "press")).toBe(false);
  });

  it("counts how far a language is", () => {
    expect(progressOf(library, "en-US")).toEqual({
      recorded: 2,
      approved: 1,
      synthesised: 1,
      missing: 1,
      stale: 1,
      total: 4,
    });
    expect(progressOf(library, "zh-CN")).toMatchObject({ recorded: 2, missing: 1, total: 3 });
    expect(progressOf(library, "fr-FR")).toMatchObject({ recorded: 0, total: 0 });
  });

  it("opens on the language asked for, else the UI's, else the first", () => {
    const languages = ["en-US", "zh-CN"];
    expect(pickLanguage(languages, "zh-CN", "en")).toBe("zh-CN");
    expect(pickLanguage(languages, "fr-FR", "zh-CN")).toBe("zh-CN");
    expect(pickLanguage(languages, null, "en")).toBe("en-US");
    expect(pickLanguage(languages, null, "de")).toBe("en-US");
    expect(pickLanguage([], null, "en")).toBe("");
  });
});

describe("a recording session", () => {
  it("steps through the prompts and stops at either end", () => {
    expect(stepTo(0, 1, 3)).toBe(1);
    expect(stepTo(2, 1, 3)).toBe(2);
    expect(stepTo(0, -1, 3)).toBe(0);
    expect(stepTo(5, 0, 0)).toBe(0);
  });

  it("leaves the keys to a field being typed in, not to a button", () => {
    expect(isTyping({ tagName: "INPUT", type: "search" })).toBe(true);
    expect(isTyping({ tagName: "INPUT" })).toBe(true);
    expect(isTyping({ tagName: "TEXTAREA" })).toBe(true);
    expect(isTyping({ tagName: "SELECT" })).toBe(true);
    expect(isTyping({ tagName: "DIV", isContentEditable: true })).toBe(true);
    expect(isTyping({ tagName: "INPUT", type: "range" })).toBe(false);
    expect(isTyping({ tagName: "INPUT", type: "checkbox" })).toBe(false);
    expect(isTyping({ tagName: "BUTTON" })).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});

describe("what the studio shows of audio", () => {
  it("says durations in seconds, or minutes past a minute", () => {
    expect(seconds(2400)).toBe("2.4 s");
    expect(seconds(65_000)).toBe("1:05");
    expect(seconds(null)).toBe("—");
  });

  it("measures the input level in dBFS from the loudest sample", () => {
    expect(peakDb([0, 0.5, -1])).toBeCloseTo(0);
    expect(peakDb([0.1, -0.05])).toBeCloseTo(-20);
    expect(peakDb([0, 0])).toBe(-60);
    expect(peakDb([0.00001])).toBe(-60);
  });

  it("names a studio take after its prompt, safely", () => {
    expect(recordingName("menu/main", "en-US")).toBe("menu_main.en-US.studio.wav");
  });
});
