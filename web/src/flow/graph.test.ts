import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../api/types";
import { START } from "./edit";
import { picture, type StepNode } from "./graph";
import type { FlowDoc } from "./types";

const doc: FlowDoc = {
  flow: "demo",
  start: "main",
  nodes: {
    main: {
      type: "menu",
      prompt: { text: { "en-US": "Press 1." } },
      choices: [{ key: "1", next: "bye" }, { key: "2" }],
      ui: { x: 100, y: 50 },
    },
    bye: { type: "hangup" },
  },
};

function problem(over: Partial<Diagnostic>): Diagnostic {
  return {
    code: "SCE304",
    name: "x",
    severity: "warning",
    message: "menu 'main' has no exhausted exit",
    path: null,
    line: null,
    column: null,
    end_line: null,
    end_column: null,
    pointer: "/nodes/main",
    node: "main",
    ...over,
  };
}

const input = {
  doc,
  diagnostics: [],
  fill: { bye: { x: 400, y: 0 } },
  marks: {},
  selected: new Set<string>(),
};

describe("the canvas picture", () => {
  it("draws one handle per exit and one edge per connected exit", () => {
    const { nodes, edges } = picture(input);
    const main = nodes.find((n) => n.id === "main") as StepNode;
    expect(main.data.exits.map((e) => [e.handle, e.label, e.target])).toEqual([
      ["choices.0", "1", "bye"],
      ["choices.1", "2", undefined],
      ["exhausted", "exhausted", undefined],
    ]);
    expect(edges.map((e) => e.id)).toEqual([`${START}|start`, "main|choices.0"]);
    expect(nodes.find((n) => n.id === "bye")?.position).toEqual({ x: 400, y: 0 });
  });

  it("puts problems on their step and marks the open exit they are about", () => {
    const { nodes } = picture({
      ...input,
      diagnostics: [
        problem({}),
        problem({ severity: "error", pointer: "/nodes/main/choices/1", message: "no next" }),
      ],
    });
    const main = nodes.find((n) => n.id === "main") as StepNode;
    expect(main.data.errors).toHaveLength(1);
    expect(main.data.warnings).toHaveLength(1);
    expect(main.data.flagged).toEqual(["choices.1", "exhausted"]);
  });

  it("reuses the nodes that did not change, so only changed steps re-render", () => {
    const first = picture(input);
    const moved: FlowDoc = {
      ...doc,
      nodes: { ...doc.nodes, bye: { type: "hangup", ui: { x: 1, y: 1 } } },
    };
    const second = picture({ ...input, doc: moved }, first);
    expect(second.nodes.find((n) => n.id === "main")).toBe(
      first.nodes.find((n) => n.id === "main"),
    );
    expect(second.nodes.find((n) => n.id === "bye")).not.toBe(
      first.nodes.find((n) => n.id === "bye"),
    );
  });
});
