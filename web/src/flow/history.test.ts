import { describe, expect, it } from "vitest";
import { EMPTY, GROUP_MS, record, redo, undo } from "./history";
import type { FlowDoc } from "./types";

const doc = (title: string): FlowDoc => ({ flow: "f", title });

describe("undo history", () => {
  it("undoes and redoes whole changes", () => {
    let h = record(EMPTY, doc("a"), null, 0);
    h = record(h, doc("b"), null, 10);
    const back = undo(h, doc("c"));
    expect(back?.[1].title).toBe("b");
    const forward = back && redo(back[0], back[1]);
    expect(forward?.[1].title).toBe("c");
  });

  it("groups a burst of keystrokes in one field into one step", () => {
    let h = record(EMPTY, doc(""), "field:title", 0);
    h = record(h, doc("H"), "field:title", 100);
    h = record(h, doc("He"), "field:title", 200);
    expect(h.past.map((d) => d.title)).toEqual([""]);
    h = record(h, doc("Hel"), "field:title", 200 + GROUP_MS + 1);
    expect(h.past.map((d) => d.title)).toEqual(["", "Hel"]);
    h = record(h, doc("Hello"), "field:other", 200 + GROUP_MS + 2);
    expect(h.past).toHaveLength(3);
  });

  it("forgets what was undone once a new change is made", () => {
    const h = record(EMPTY, doc("a"), null, 0);
    const [after] = undo(h, doc("b")) ?? [EMPTY];
    expect(after.future).toHaveLength(1);
    expect(record(after, doc("a"), null, 5).future).toHaveLength(0);
    expect(undo(EMPTY, doc("x"))).toBeNull();
  });
});
