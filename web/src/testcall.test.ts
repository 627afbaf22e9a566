import { afterEach, describe, expect, it, vi } from "vitest";
import type { TestCall } from "./api/types";
import { Speaker } from "./speaker";
import {
  activeStep,
  deployedVersions,
  lineOfEvent,
  linesOf,
  pathMarks,
  promptsOf,
  walked,
} from "./testcall";

function answer(part: Partial<TestCall>): TestCall {
  return {
    call: `sim-${"0".repeat(32)}`,
    flow: "balance",
    version: "v".repeat(64),
    actions: [],
    heard: [],
    path: [],
    waiting_for: null,
    ended: false,
    ...part,
  } as TestCall;
}

// What the server answers when a call on flows/balance.flow starts (trimmed).
const started = answer({
  actions: [
    { action: "trace", node: "pick_language", type: "branch", note: null },
    { action: "trace", node: "welcome", type: "play", note: null },
    {
      action: "play",
      text: "Welcome to Example Bank.",
      language: "en-US",
      audio_url: "/prompts/welcome.wav",
    },
    { action: "trace", node: "main", type: "menu", note: null },
    { action: "play", text: "查询余额请按1。", language: "zh-CN" },
    { action: "gather", node: "main", language: "en-US" },
  ] as unknown as TestCall["actions"],
  heard: ["Welcome to Example Bank.", "查询余额请按1。"],
  path: ["pick_language", "welcome", "main"],
  waiting_for: { action: "gather", node: "main" } as unknown as TestCall["waiting_for"],
});

const transferred = answer({
  actions: [
    { action: "trace", node: "lookup", type: "http", note: "the balance service did not answer" },
    { action: "trace", node: "agent", type: "transfer", note: null },
    { action: "transfer", node: "agent", queue: "general", number: null },
  ] as unknown as TestCall["actions"],
  path: ["lookup", "agent"],
  waiting_for: { action: "transfer", node: "agent" } as unknown as TestCall["waiting_for"],
});

const ended = answer({
  actions: [
    { action: "trace", node: "bye", type: "hangup", note: null },
    { action: "play", text: "Goodbye.", language: "en-US", audio_url: null },
    { action: "hangup", reason: null },
  ] as unknown as TestCall["actions"],
  path: ["bye"],
  ended: true,
});

describe("the transcript of a test call", () => {
  it("has what the caller heard, in order and in its language", () => {
    expect(linesOf(started)).toEqual([
      {
        kind: "heard",
        text: "Welcome to Example Bank.",
        language: "en-US",
        audioUrl: "/prompts/welcome.wav",
      },
      { kind: "heard", text: "查询余额请按1。", language: "zh-CN", audioUrl: null },
    ]);
  });

  it("has the notes of the steps and the transfers", () => {
    expect(linesOf(transferred)).toEqual([
      { kind: "note", node: "lookup", text: "the balance service did not answer" },
      { kind: "transfer", queue: "general", number: null },
    ]);
  });

  it("says when the call ended", () => {
    expect(linesOf(ended).at(-1)).toEqual({ kind: "ended" });
  });

  it("has what the caller did", () => {
    expect(lineOfEvent({ type: "digits", digits: "1" })).toEqual({ kind: "pressed", digits: "1" });
    expect(lineOfEvent({ type: "speech", text: "余额" })).toEqual({ kind: "said", text: "余额" });
    expect(lineOfEvent({ type: "timeout" })).toEqual({ kind: "silence" });
    expect(lineOfEvent({ type: "hangup" })).toEqual({ kind: "hungUp" });
  });
});

describe("the prompts spoken", () => {
  it("come with their recording when the server has one", () => {
    expect(promptsOf(started)).toEqual([
      { text: "Welcome to Example Bank.", language: "en-US", audioUrl: "/prompts/welcome.wav" },
      { text: "查询余额请按1。", language: "zh-CN", audioUrl: null },
    ]);
    expect(promptsOf(ended)).toEqual([{ text: "Goodbye.", language: "en-US", audioUrl: null }]);
  });
});

describe("the path on the canvas", () => {
  it("marks every step walked, and the one the call waits at as active", () => {
    const first = walked([], started);
    const both = walked(first, transferred);
    expect(both).toEqual(["pick_language", "welcome", "main", "lookup", "agent"]);
    expect(pathMarks(both, activeStep(transferred))).toEqual({
      pick_language: "visited",
      welcome: "visited",
      main: "visited",
      lookup: "visited",
      agent: "active",
    });
  });

  it("has the last step entered active when the call waits nowhere", () => {
    expect(activeStep(started)).toBe("main");
    expect(activeStep(ended)).toBe("bye");
    expect(activeStep(answer({}), "main")).toBe("main");
    expect(activeStep(answer({}))).toBeNull();
  });
});

describe("speaking the prompts", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("never throws where the browser cannot speak", async () => {
    vi.stubGlobal("speechSynthesis", undefined);
    vi.stubGlobal("SpeechSynthesisUtterance", undefined);
    vi.stubGlobal("Audio", undefined);
    const speaker = new Speaker();
    expect(() => speaker.speak(promptsOf(started))).not.toThrow();
    expect(() => speaker.stop()).not.toThrow();
  });

  it("plays a recording, reads the rest out in its language, one after the other", async () => {
    const said: { text: string; lang: string }[] = [];
    const played: string[] = [];
    class Utterance {
      lang = "";
      onend: (() => void) | null = null;
      onerror: (() => void) | null = null;
      constructor(readonly text: string) {}
    }
    class FakeAudio {
      onended: (() => void) | null = null;
      onerror: (() => void) | null = null;
      constructor(readonly src: string) {}
      play() {
        played.push(this.src);
        setTimeout(() => this.onended?.(), 0);
        return Promise.resolve();
      }
      pause() {}
    }
    vi.stubGlobal("SpeechSynthesisUtterance", Utterance);
    vi.stubGlobal("Audio", FakeAudio);
    vi.stubGlobal("speechSynthesis", {
      speak: (u: Utterance) => {
        said.push({ text: u.text, lang: u.lang });
        setTimeout(() => u.onend?.(), 0);
      },
      cancel: () => undefined,
    });
    const speaker = new Speaker();
    speaker.speak(promptsOf(started));
    await vi.waitFor(() => expect(said).toHaveLength(1));
    expect(played).toEqual(["/prompts/welcome.wav"]);
    expect(said).toEqual([{ text: "查询余额请按1。", lang: "zh-CN" }]);
  });

  it("reads a prompt out when its recording does not play", async () => {
    const said: string[] = [];
    vi.stubGlobal(
      "Audio",
      class {
        onended = null;
        onerror = null;
        play() {
          return Promise.reject(new Error("NotAllowedError"));
        }
        pause() {}
      },
    );
    vi.stubGlobal(
      "SpeechSynthesisUtterance",
      class {
        lang = "";
        onend = null;
        onerror = null;
        constructor(readonly text: string) {}
      },
    );
    vi.stubGlobal("speechSynthesis", {
      speak: (u: { text: string }) => said.push(u.text),
      cancel() {},
    });
    new Speaker().speak(promptsOf(started).slice(0, 1));
    await vi.waitFor(() => expect(said).toEqual(["Welcome to Example Bank."]));
  });

  it("goes on to the next prompt when the browser never says it is done", async () => {
    vi.useFakeTimers();
    const said: string[] = [];
    vi.stubGlobal(
      "SpeechSynthesisUtterance",
      class {
        lang = "";
        onend = null;
        onerror = null;
        constructor(readonly text: string) {}
      },
    );
    vi.stubGlobal("Audio", undefined);
    vi.stubGlobal("speechSynthesis", {
      speak: (u: { text: string }) => said.push(u.text),
      cancel() {},
    });
    const speaker = new Speaker();
    speaker.speak([
      { text: "One.", language: "en-US", audioUrl: null },
      { text: "Two.", language: "en-US", audioUrl: null },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(said).toEqual(["One."]);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(said).toEqual(["One.", "Two."]);
    speaker.stop();
    speaker.speak([{ text: "Three.", language: "en-US", audioUrl: null }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(said).toEqual(["One.", "Two.", "Three."]);
  });
});

describe("the versions a test call can run", () => {
  it("lists each version that was live once, newest first, and no refused deploy", () => {
    const record = (version: string | null, result: string, when: string) =>
      ({
        flow: "balance",
        version,
        previous: null,
        who: "dan",
        when,
        source: null,
        digest: null,
        result,
        errors: [],
      }) as never;
    const log = [
      record("b".repeat(64), "deployed", "2026-12-06T10:00:00Z"),
      record(null, "refused", "2026-12-06T09:30:00Z"),
      record("a".repeat(64), "rolled-back", "2026-12-06T09:00:00Z"),
      record("b".repeat(64), "deployed", "2026-12-06T08:00:00Z"),
    ];
    expect(deployedVersions(log).map((v) => [v.version[0], v.when])).toEqual([
      ["b", "2026-12-06T10:00:00Z"],
      ["a", "2026-12-06T09:00:00Z"],
    ]);
  });
});
