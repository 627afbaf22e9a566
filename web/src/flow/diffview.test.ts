import { describe, expect, it } from "vitest";
import type { FlowDiff } from "../api/types";
import { diffView, inOrder, noDifference, shortJson } from "./diffview";
import type { FlowDoc } from "./types";

const older: FlowDoc = {
  flow: "hotline",
  start: "main",
  nodes: {
    main: { type: "menu", choices: [{ key: "1", next: "hours" }], ui: { x: 0, y: 0 } },
    hours: { type: "play", next: "bye", ui: { x: 300, y: 0 } },
    old_news: { type: "play", next: "bye" },
    bye: { type: "hangup", ui: { x: 600, y: 0 } },
  },
};

const newer: FlowDoc = {
  flow: "hotline",
  start: "main",
  nodes: {
    main: { type: "menu", choices: [{ key: "1", next: "agent" }], ui: { x: 0, y: 0 } },
    agent: { type: "transfer", queue: "general", ui: { x: 300, y: 200 } },
    bye: { type: "hangup", ui: { x: 650, y: 0 } },
  },
};

function diffOf(part: Partial<FlowDiff>): FlowDiff {
  return { added: [], removed: [], changed: {}, flow: [], layout: [], canvas: false, ...part };
}

const diff = diffOf({
  added: ["agent"],
  removed: ["hours", "old_news"],
  changed: { main: [{ pointer: "/choices/0/next", kind: "changed", old: "hours", new: "agent" }] },
  layout: ["bye"],
});

describe("the differences of two revisions on the canvas", () => {
  it("shows the newer document with the removed steps put back, and marks each step", () => {
    const { doc, marks } = diffView(older, newer, diff);
    expect(Object.keys(doc.nodes ?? {}).sort()).toEqual([
      "agent",
      "bye",
      "hours",
      "main",
      "old_news",
    ]);
    expect(marks).toEqual({
      agent: "added",
      main: "changed",
      hours: "removed",
      old_news: "removed",
    });
    // What the newer revision has is shown as it has it.
    expect(doc.nodes?.main).toBe(newer.nodes?.main);
    expect(doc.nodes?.bye).toBe(newer.nodes?.bye);
    expect(doc.start).toBe("main");
  });

  it("keeps a removed step where the older revision drew it", () => {
    const { doc } = diffView(older, newer, diff);
    expect(doc.nodes?.hours).toBe(older.nodes?.hours);
  });

  it("places a removed step that had no place beside the others", () => {
    const { doc } = diffView(older, newer, diff);
    const ui = doc.nodes?.old_news?.ui;
    expect(ui?.x).toBeGreaterThan(650);
    expect(ui?.y).toBe(0);
    expect(doc.nodes?.old_news?.next).toBe("bye");
  });

  it("leaves a removed step the canvas has a place for where the canvas draws it", () => {
    const { doc } = diffView(older, newer, diff, { old_news: { x: 10, y: 20 } });
    expect(doc.nodes?.old_news).toBe(older.nodes?.old_news);
  });

  it("changes neither document", () => {
    const before = JSON.stringify([older, newer]);
    diffView(older, newer, diff);
    expect(JSON.stringify([older, newer])).toBe(before);
  });

  it("does not mark a step that only moved", () => {
    expect(diffView(older, newer, diff).marks.bye).toBeUndefined();
  });

  it("ignores ids the documents do not have", () => {
    const odd = diffOf({
      added: ["ghost"],
      removed: ["main", "nowhere"],
      changed: { phantom: [] },
    });
    expect(diffView(older, newer, odd).marks).toEqual({});
  });

  it("shows every step as removed when the newer revision has no document (deleted)", () => {
    const gone = diffOf({ removed: ["main", "hours", "old_news", "bye"] });
    const { doc, marks } = diffView(older, null, gone);
    expect(doc.flow).toBe("hotline");
    expect(Object.values(marks)).toEqual(["removed", "removed", "removed", "removed"]);
  });

  it("shows every step as added when the older revision has no document", () => {
    const { marks } = diffView(null, newer, diffOf({ added: ["main", "agent", "bye"] }));
    expect(marks).toEqual({ main: "added", agent: "added", bye: "added" });
  });
});

describe("short values of a change", () => {
  it("is JSON, cut short", () => {
    expect(shortJson("agent")).toBe('"agent"');
    expect(shortJson({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(shortJson(null)).toBe("null");
    expect(shortJson(undefined)).toBe("");
    expect(shortJson("x".repeat(100), 10)).toBe(`"xxxxxxxx…`);
    expect(shortJson("欢迎致电示例银行。")).toBe('"欢迎致电示例银行。"');
  });
});

describe("two revisions", () => {
  it("come older first", () => {
    expect(inOrder(7, 3)).toEqual([3, 7]);
    expect(inOrder(3, 7)).toEqual([3, 7]);
  });

  it("may differ in nothing", () => {
    expect(noDifference(diffOf({}))).toBe(true);
    expect(noDifference(diffOf({ layout: ["a"] }))).toBe(false);
    expect(noDifference(diffOf({ canvas: true }))).toBe(false);
  });
});
