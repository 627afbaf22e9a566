/** Where elkjs would put each step (layered, left to right), computed in a web worker. */
import { START, steps } from "./edit";
import { exitsOf } from "./schema";
import type { FlowDoc, Point } from "./types";

export interface LayoutRequest {
  id: number;
  nodes: { id: string; width: number; height: number }[];
  edges: { source: string; target: string }[];
}

/** The size the canvas draws a step at, near enough for the layout. */
export function stepSize(exits: number): { width: number; height: number } {
  return { width: 240, height: 78 + 24 * exits };
}

export function layoutRequest(doc: FlowDoc, id = 0): LayoutRequest {
  const all = steps(doc);
  const nodes = [{ id: START, width: 170, height: 100 }];
  const edges: LayoutRequest["edges"] = [];
  if (doc.start && doc.start in all) edges.push({ source: START, target: doc.start });
  for (const [stepId, step] of Object.entries(all)) {
    const exits = exitsOf(step);
    nodes.push({ id: stepId, ...stepSize(exits.length) });
    for (const exit of exits) {
      if (exit.target && exit.target in all) edges.push({ source: stepId, target: exit.target });
    }
  }
  return { id, nodes, edges };
}

let worker: Worker | null = null;
let asked = 0;

export function autoLayout(doc: FlowDoc): Promise<Record<string, Point>> {
  worker ??= new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
  const id = ++asked;
  const running = worker;
  return new Promise((resolve, reject) => {
    const onMessage = (event: MessageEvent<{ id: number; positions: Record<string, Point> }>) => {
      if (event.data.id !== id) return;
      running.removeEventListener("message", onMessage);
      resolve(event.data.positions);
    };
    running.addEventListener("message", onMessage);
    running.addEventListener("error", (e) => reject(new Error(e.message)), { once: true });
    running.postMessage(layoutRequest(doc, id));
  });
}
