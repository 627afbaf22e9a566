import { describe, expect, it } from "vitest";
import { ApiError } from "./api/client";
import type { Diagnostic } from "./api/types";
import {
  diagnosticsOf,
  exportName,
  filterFlows,
  headlineOf,
  importForm,
  jsonFileText,
  matchesSearch,
  parseLanguages,
  readableTime,
  shortVersion,
  sortFlows,
  whereOf,
} from "./flowlist";

const diagnostic: Diagnostic = {
  code: "SCE012",
  name: "unknown-exit",
  severity: "error",
  message: "exit 'x' goes nowhere",
  path: "balance.flow",
  line: 3,
  column: 5,
  end_line: 3,
  end_column: 9,
  pointer: "/nodes/menu/next",
  node: "menu",
};

describe("searching the flow list", () => {
  const flows = [
    { id: "balance", title: "Account balance", updated: "2024-05-01T10:00:00Z" },
    { id: "billing", title: null, updated: "2024-06-01T10:00:00Z" },
    { id: "support", title: "Billing questions", updated: "2024-06-01T10:00:00Z" },
  ];

  it("finds by id or title, any case, every word", () => {
    expect(filterFlows(flows, "BILL").map((f) => f.id)).toEqual(["billing", "support"]);
    expect(filterFlows(flows, "account bal").map((f) => f.id)).toEqual(["balance"]);
    expect(filterFlows(flows, "  ").length).toBe(3);
    expect(matchesSearch({ id: "x", title: null }, "y")).toBe(false);
  });

  it("sorts by id, or the last edited first", () => {
    expect(sortFlows(flows, "name").map((f) => f.id)).toEqual(["balance", "billing", "support"]);
    expect(sortFlows(flows, "edited").map((f) => f.id)).toEqual(["billing", "support", "balance"]);
    expect(flows[0]?.id).toBe("balance");
  });
});

describe("versions, files and languages", () => {
  it("shortens a version to 8 characters", () => {
    expect(shortVersion("0123456789abcdef")).toBe("01234567");
    expect(shortVersion(null)).toBe("");
  });

  it("names export files and reads import ones", () => {
    expect(exportName("balance", "json")).toBe("balance.json");
    expect(exportName("balance", "flow")).toBe("balance.flow");
    expect(importForm("Balance.FLOW")).toBe("flow");
    expect(importForm("a.b.json")).toBe("json");
    expect(importForm("notes.txt")).toBeNull();
  });

  it("reads a list of languages", () => {
    expect(parseLanguages(" en-US, es-US\nen-US;fr-CA ")).toEqual(["en-US", "es-US", "fr-CA"]);
    expect(parseLanguages("")).toEqual([]);
  });

  it("writes a document as a .json file does", () => {
    expect(jsonFileText({ flow: "a" })).toBe('{\n  "flow": "a"\n}\n');
  });
});

describe("reading errors", () => {
  const refused = new ApiError(
    422,
    { ok: false, status: 422, errors: [{ message: "deploy refused: 1 error" }, diagnostic] },
    "422",
  );

  it("separates the message from the diagnostics", () => {
    expect(headlineOf(refused)).toBe("deploy refused: 1 error");
    expect(diagnosticsOf(refused)).toEqual([diagnostic]);
    expect(headlineOf(new Error("boom"))).toBe("boom");
    expect(diagnosticsOf(new Error("boom"))).toEqual([]);
  });

  it("falls back to the whole message when every entry is a diagnostic", () => {
    const only = new ApiError(400, { ok: false, status: 400, errors: [diagnostic] }, "400");
    expect(headlineOf(only)).toBe(diagnostic.message);
  });

  it("says where a diagnostic is", () => {
    expect(whereOf(diagnostic)).toBe("balance.flow:3:5");
    expect(whereOf({ ...diagnostic, path: null })).toBe("3:5");
    expect(whereOf({ ...diagnostic, line: null, column: null })).toBe("/nodes/menu/next");
  });
});

describe("times", () => {
  it("reads an ISO time, and leaves what is none as it is", () => {
    expect(readableTime("2024-06-01T10:00:00Z", "en-US")).toContain("2024");
    expect(readableTime("soon")).toBe("soon");
  });
});
