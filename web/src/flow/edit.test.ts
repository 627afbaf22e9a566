import { describe, expect, it } from "vitest";
import * as edit from "./edit";
import type { FlowDoc } from "./types";

const menu: FlowDoc = {
  flow: "demo",
  languages: ["en-US", "zh-CN"],
  start: "main",
  nodes: {
    main: {
      type: "menu",
      prompt: { text: { "en-US": "Press 1." } },
      choices: [{ key: "1", next: "bye", label: "Bye" }],
      exhausted: "bye",
      custom_field_kept: 7,
    },
    bye: { type: "hangup" },
  },
};

describe("adding a step", () => {
  it("fills in what the schema requires, in every language of the flow", () => {
    const [doc, id] = edit.addStep(menu, "menu", { x: 10.4, y: 20.6 });
    expect(id).toBe("menu");
    expect(doc.nodes?.menu).toEqual({
      type: "menu",
      prompt: { text: { "en-US": "", "zh-CN": "" } },
      ui: { x: 10, y: 21 },
    });
    expect(menu.nodes?.menu).toBeUndefined();
  });

  it("takes a free id and becomes the first step of an empty flow", () => {
    const [one, first] = edit.addStep({ flow: "x" }, "play", { x: 0, y: 0 });
    const [two, second] = edit.addStep(one, "play", { x: 0, y: 0 });
    expect([first, second]).toEqual(["play", "play_2"]);
    expect(two.start).toBe("play");
  });
});

describe("wiring exits", () => {
  it("connects a field exit and a menu key, and disconnects them", () => {
    let doc = edit.connect(menu, "bye", "next", "main");
    expect(doc).toBe(menu); // a hangup has no `next`: nothing changes
    doc = edit.connect(menu, "main", "choices.0", "main");
    expect(((doc.nodes?.main?.choices ?? []) as { next: string }[])[0]?.next).toBe("main");
    doc = edit.disconnect(doc, "main", "exhausted");
    expect(Object.keys(doc.nodes?.main ?? {})).not.toContain("exhausted");
    expect(doc.nodes?.main?.custom_field_kept).toBe(7);
  });

  it("sets the flow's first step from the start pseudo-step", () => {
    expect(edit.connect(menu, edit.START, "start", "bye").start).toBe("bye");
    expect(edit.connect(menu, edit.START, "on_error", "bye").on_error).toBe("bye");
  });
});

describe("removing and renaming", () => {
  it("leaves the exits that led to a removed step open", () => {
    const doc = edit.remove(menu, ["bye"]);
    expect(Object.keys(doc.nodes ?? {})).toEqual(["main"]);
    expect(doc.nodes?.main?.exhausted).toBeUndefined();
    expect(((doc.nodes?.main?.choices ?? []) as object[])[0]).toEqual({ key: "1", label: "Bye" });
  });

  it("rewires every exit and the start when a step is renamed", () => {
    const doc = edit.rename(menu, "bye", "goodbye");
    expect(Object.keys(doc.nodes ?? {})).toEqual(["main", "goodbye"]);
    expect(doc.nodes?.main?.exhausted).toBe("goodbye");
    expect(edit.rename(menu, "main", "bye")).toBe(menu); // taken: refused
    expect(edit.rename(menu, "main", "start_here").start).toBe("start_here");
  });
});

describe("copy and paste", () => {
  it("pastes under new ids, rewiring exits inside the copy and keeping the others", () => {
    const clip = edit.copy(menu, ["main"]);
    const [doc, ids] = edit.paste(menu, clip, { x: 40, y: 40 });
    expect(ids).toEqual(["main_2"]);
    const pasted = doc.nodes?.main_2;
    expect(pasted?.exhausted).toBe("bye");
    expect(pasted?.ui).toEqual({ x: 40, y: 40 });
  });

  it("points a pasted pair at each other", () => {
    const [doc, ids] = edit.paste(menu, edit.copy(menu, ["main", "bye"]), { x: 0, y: 0 });
    expect(ids).toEqual(["main_2", "bye_2"]);
    expect(doc.nodes?.main_2?.exhausted).toBe("bye_2");
  });
});

describe("notes, colours and places", () => {
  it("keeps sticky notes and colours in the layout data", () => {
    const [doc, id] = edit.addNote(menu, { x: 5, y: 6 }, "ask legal about this");
    const coloured = edit.colour(doc, [id, "main"], "blue");
    expect(coloured.ui?.notes).toEqual([
      { id, x: 5, y: 6, text: "ask legal about this", color: "blue" },
    ]);
    expect(coloured.nodes?.main?.ui).toEqual({ color: "blue" });
    expect(edit.colour(coloured, ["main"], "none").nodes?.main?.ui).toEqual({});
  });

  it("places only the steps the document does not place", () => {
    const placed = edit.moveSteps(menu, { main: { x: 1, y: 2 } });
    expect(edit.unplaced(placed)).toEqual(["bye"]);
    const all = edit.place(placed, { main: { x: 99, y: 99 }, bye: { x: 3, y: 4 } });
    expect(all.nodes?.main?.ui).toEqual({ x: 1, y: 2 });
    expect(all.nodes?.bye?.ui).toEqual({ x: 3, y: 4 });
  });
});
