import { describe, expect, it } from "vitest";
import type { DeployRecord } from "./api/types";
import {
  actionFor,
  flowIds,
  isLiveEntry,
  liveVersions,
  resultTone,
  summarizeDiff,
} from "./deploys";

function record(
  flow: string,
  result: DeployRecord["result"],
  version: string | null,
): DeployRecord {
  return {
    flow,
    result,
    version,
    previous: null,
    who: "ana",
    when: "2024-06-01T10:00:00Z",
    source: null,
    digest: null,
    errors: [],
  };
}

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

// Newest first, as the log answers.
const log = [
  record("balance", "refused", null),
  record("balance", "unchanged", B),
  record("balance", "deployed", B),
  record("balance", "deployed", A),
  record("support", "rolled-back", C),
  record("balance", "deployed", B),
];

describe("the live version of each flow", () => {
  it("is the newest entry that left one live", () => {
    expect(liveVersions(log)).toEqual({ balance: B, support: C });
  });

  it("is what the flow list says when it says", () => {
    const flows = [
      { id: "balance", live: { version: A, when: "", who: "" } },
      { id: "support", live: null },
      { id: "new" },
    ];
    expect(liveVersions(log, flows)).toEqual({ balance: A });
  });
});

describe("what an entry of the log offers", () => {
  const live = liveVersions(log);

  it("rolls back from the newest entry that made the live version live", () => {
    expect(actionFor(log, 2, live)).toBe("rollback");
    // support's one entry says nothing was live before it, and the log has no older one.
    expect(actionFor(log, 4, live)).toBeNull();
  });

  it("makes an older version live again", () => {
    expect(actionFor(log, 3, live)).toBe("restore");
  });

  it("offers nothing on refused, unchanged, or older entries of the live version", () => {
    expect(actionFor(log, 0, live)).toBeNull();
    expect(actionFor(log, 1, live)).toBeNull();
    expect(actionFor(log, 5, live)).toBeNull();
    expect(actionFor(log, 9, live)).toBeNull();
  });

  it("offers no rollback when nothing was live before", () => {
    const first = [record("balance", "deployed", A)];
    expect(actionFor(first, 0, liveVersions(first))).toBeNull();
    const again = [{ ...record("balance", "deployed", A), previous: B }];
    expect(actionFor(again, 0, liveVersions(again))).toBe("rollback");
  });

  it("makes each older version live again from its newest entry only", () => {
    const twice = [
      record("balance", "rolled-back", B),
      record("balance", "rolled-back", A),
      record("balance", "deployed", B),
      record("balance", "deployed", A),
    ];
    const now = liveVersions(twice);
    expect(twice.map((_, i) => actionFor(twice, i, now))).toEqual([
      "rollback",
      "restore",
      null,
      null,
    ]);
    expect(twice.map((_, i) => isLiveEntry(twice, i, now))).toEqual([true, false, false, false]);
  });

  it("marks the entry that made the live version live", () => {
    expect(log.map((_, i) => isLiveEntry(log, i, live))).toEqual([
      false,
      false,
      true,
      false,
      true,
      false,
    ]);
  });

  it("offers nothing for a flow with nothing live", () => {
    expect(actionFor(log, 3, {})).toBeNull();
  });
});

describe("the rest", () => {
  it("colours refusals only", () => {
    expect(resultTone("refused")).toBe("error");
    expect(resultTone("rolled-back")).toBe("ok");
  });

  it("lists every flow once", () => {
    expect(flowIds(log, [{ id: "alpha" }, { id: "support" }])).toEqual([
      "alpha",
      "balance",
      "support",
    ]);
  });

  it("summarizes a diff", () => {
    const summary = summarizeDiff({
      added: ["b", "a"],
      removed: [],
      changed: { menu: [{ pointer: "/prompt/text/en-US", kind: "changed" }] },
      flow: [],
      layout: ["menu"],
      canvas: false,
    });
    expect(summary.added).toEqual(["a", "b"]);
    expect(summary.changed).toEqual([
      { step: "menu", fields: [{ pointer: "/prompt/text/en-US", kind: "changed" }] },
    ]);
    expect(summary.same).toBe(false);
    expect(
      summarizeDiff({ added: [], removed: [], changed: {}, flow: [], layout: ["x"], canvas: true })
        .same,
    ).toBe(true);
  });
});
