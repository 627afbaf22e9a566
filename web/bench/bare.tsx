/** The floor of bench/designer.py: the flow's steps drawn by React Flow and nothing else. Default
 * nodes labelled with the step's id, at the flow's `ui` positions and of the size the designer
 * draws them, the edges of their exits, and the canvas settings of the designer that decide what
 * is drawn (only the visible elements, the same zoom range and edge type). The benchmark writes
 * the graph to `graph.json` next to this page. The query string: `w` and `h` size the canvas in
 * pixels (the designer's canvas), else it fills the window; `x`, `y` and `zoom` are where the
 * view starts (where the designer's does), else the whole flow is fitted in. */
import {
  type Edge,
  type Node,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  type Viewport,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { createRoot } from "react-dom/client";

export interface Graph {
  nodes: { id: string; x: number; y: number; width: number; height: number }[];
  edges: { id: string; source: string; target: string }[];
}

function Bare({ graph, view }: { graph: Graph; view: Viewport | null }) {
  const [nodes, , onNodesChange] = useNodesState<Node>(
    graph.nodes.map((n) => ({
      id: n.id,
      position: { x: n.x, y: n.y },
      data: { label: n.id },
      style: { width: n.width, height: n.height },
    })),
  );
  const [edges, , onEdgesChange] = useEdgesState<Edge>(graph.edges);
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      minZoom={0.05}
      maxZoom={2}
      onlyRenderVisibleElements
      fitView={view === null}
      {...(view ? { defaultViewport: view } : {})}
      defaultEdgeOptions={{ type: "smoothstep" }}
      proOptions={{ hideAttribution: true }}
    />
  );
}

async function main(): Promise<void> {
  const root = document.getElementById("root");
  if (!root) return;
  const query = new URLSearchParams(window.location.search);
  const width = Number(query.get("w"));
  const height = Number(query.get("h"));
  if (width > 0 && height > 0) {
    root.style.width = `${width}px`;
    root.style.height = `${height}px`;
  }
  const zoom = Number(query.get("zoom"));
  const view = zoom > 0 ? { x: Number(query.get("x")), y: Number(query.get("y")), zoom } : null;
  const answer = await fetch("graph.json");
  const graph = (await answer.json()) as Graph;
  createRoot(root).render(
    <ReactFlowProvider>
      <Bare graph={graph} view={view} />
    </ReactFlowProvider>,
  );
}

void main();
