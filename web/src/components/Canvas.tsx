import {
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type Edge,
  type FinalConnectionState,
  MiniMap,
  type NodeChange,
  type OnConnectEnd,
  ReactFlow,
  type ReactFlowInstance,
  useReactFlow,
} from "@xyflow/react";
import { type DragEvent, useCallback, useEffect, useMemo } from "react";
import { useTranslation } from "react-i18next";
import * as edit from "../flow/edit";
import type { CanvasNode } from "../flow/graph";
import type { Point } from "../flow/types";
import {
  can,
  change,
  closeConnectMenu,
  focusStep,
  openConnectMenu,
  select,
  showCanvas,
  useStore,
} from "../store";
import { ConnectMenu } from "./ConnectMenu";
import { FindStep } from "./FindStep";
import { NoteNode } from "./NoteNode";
import { DRAG_TYPE } from "./Palette";
import { StartNode } from "./StartNode";
import { StepNode } from "./StepNode";
import { useShortcuts } from "./useShortcuts";

// Outside the component, as React Flow asks, so that they are never new objects.
const NODE_TYPES = { step: StepNode, note: NoteNode, start: StartNode };
const SNAP: [number, number] = [10, 10];
const DELETE_KEYS = ["Delete", "Backspace"];

/** Below this zoom a step's words cannot be read. */
const READABLE_ZOOM = 0.6;

/** Fits the whole flow; a flow too big to read that way is shown from its start, readable (the
 * minimap shows the rest). */
function fitReadably(flow: ReactFlowInstance<CanvasNode>): void {
  const nodes = flow.getNodes();
  const box = document.querySelector(".canvas")?.getBoundingClientRect();
  if (!nodes.length || !box) return;
  const bounds = flow.getNodesBounds(nodes);
  const fit = Math.min(box.width / bounds.width, box.height / bounds.height) * 0.88;
  if (fit >= READABLE_ZOOM) {
    void flow.fitView({ padding: 0.12, maxZoom: 1 });
    return;
  }
  // Set at once, not after a fit: a fit of a big flow would draw all its steps for nothing.
  const zoom = READABLE_ZOOM;
  const centred = box.height / 2 - (bounds.y + bounds.height / 2) * zoom;
  const y = Math.max(40 - bounds.y * zoom, centred);
  void flow.setViewport({ x: 40 - bounds.x * zoom, y, zoom });
}

/** The flow drawn as steps and their exits: drag to move, drag an exit to a step to connect it,
 * drop an exit on empty canvas to add the step it leads to. */
export function Canvas() {
  const { t } = useTranslation();
  const nodes = useStore((s) => s.nodes);
  const edges = useStore((s) => s.edges);
  const focus = useStore((s) => s.focus);
  const viewing = useStore((s) => s.viewing);
  const flow = useReactFlow<CanvasNode>();
  const connecting = useStore((s) => s.connecting);
  const ariaLabels = useMemo(
    () => ({
      "node.a11yDescription.default": t("canvas.nodeHelpSelect"),
      "node.a11yDescription.keyboardDisabled": t("canvas.nodeHelp"),
      "node.a11yDescription.ariaLiveMessage": (moved: {
        direction: string;
        x: number;
        y: number;
      }) => t("canvas.moved", moved),
      "edge.a11yDescription.default": t("canvas.edgeHelp"),
      "controls.ariaLabel": t("canvas.controls"),
      "controls.zoomIn.ariaLabel": t("canvas.zoomIn"),
      "controls.zoomOut.ariaLabel": t("canvas.zoomOut"),
      "controls.fitView.ariaLabel": t("canvas.fitView"),
      "minimap.ariaLabel": t("canvas.minimap"),
      "handle.ariaLabel": t("canvas.handle"),
    }),
    [t],
  );
  const writable = can("write") && !viewing;
  useShortcuts(flow);

  useEffect(() => {
    if (!focus) return;
    if (!focus.id) {
      fitReadably(flow);
      return;
    }
    const node = flow.getNode(focus.id);
    if (node) {
      const width = node.measured?.width ?? 240;
      const height = node.measured?.height ?? 120;
      void flow.setCenter(node.position.x + width / 2, node.position.y + height / 2, {
        duration: 250,
        zoom: Math.max(flow.getZoom(), 0.9),
      });
    }
  }, [focus, flow]);

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    const shown = useStore.getState().nodes;
    const moved: Record<string, Point> = {};
    let selection: Set<string> | null = null;
    for (const c of changes) {
      if (c.type === "position" && c.dragging === false && c.position) moved[c.id] = c.position;
      if (c.type === "position" && c.dragging === false && !c.position) {
        const node = shown.find((n) => n.id === c.id);
        if (node) moved[c.id] = node.position;
      }
      if (c.type === "select") {
        selection ??= new Set(useStore.getState().selected);
        if (c.selected) selection.add(c.id);
        else selection.delete(c.id);
      }
    }
    const local = changes.filter((c) => c.type !== "remove" && c.type !== "select");
    if (local.length) showCanvas(applyNodeChanges(local, shown));
    if (selection) select(selection);
    if (Object.keys(moved).length) {
      const { [edit.START]: start, ...steps } = moved;
      change((doc) => {
        const next = edit.moveSteps(doc, steps);
        return start
          ? {
              ...next,
              ui: { ...next.ui, start: { x: Math.round(start.x), y: Math.round(start.y) } },
            }
          : next;
      });
    }
  }, []);

  const onConnect = useCallback((c: Connection) => {
    if (c.source && c.sourceHandle && c.target && c.target !== edit.START) {
      change((doc) => edit.connect(doc, c.source, c.sourceHandle as string, c.target));
    }
  }, []);

  const onDelete = useCallback(
    ({ nodes: gone, edges: cut }: { nodes: CanvasNode[]; edges: Edge[] }) => {
      change((doc) => {
        let next = doc;
        for (const e of cut)
          if (e.sourceHandle) next = edit.disconnect(next, e.source, e.sourceHandle);
        return edit.remove(
          next,
          gone.map((n) => n.id),
        );
      });
    },
    [],
  );

  const onConnectEnd: OnConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.fromHandle?.id) return;
      const point = "changedTouches" in event ? event.changedTouches[0] : event;
      if (!point) return;
      openConnectMenu({
        source: state.fromNode.id,
        handle: state.fromHandle.id,
        screen: { x: point.clientX, y: point.clientY },
      });
    },
    [],
  );

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(DRAG_TYPE);
      if (!type) return;
      event.preventDefault();
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      let id = "";
      change((doc) => {
        const [next, added] = edit.addStep(doc, type, { x: at.x - 120, y: at.y - 30 });
        id = added;
        return next;
      });
      if (id) select([id]);
    },
    [flow],
  );

  function addConnected(type: string) {
    if (!connecting) return;
    const at = flow.screenToFlowPosition(connecting.screen);
    let id = "";
    change((doc) => {
      const [next, added] = edit.addStep(doc, type, { x: at.x + 20, y: at.y - 30 });
      id = added;
      return edit.connect(next, connecting.source, connecting.handle, added);
    });
    closeConnectMenu();
    if (id) focusStep(id);
  }

  function connectTo(target: string | undefined) {
    if (!connecting) return;
    change((doc) => edit.connect(doc, connecting.source, connecting.handle, target));
    closeConnectMenu();
  }

  return (
    <div className="canvas" data-testid="canvas">
      {viewing && (
        <div className="viewing-banner" role="status">
          {viewing.label}
        </div>
      )}
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onDelete={onDelete}
        onDrop={onDrop}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }}
        nodesDraggable={writable}
        nodesConnectable={writable}
        edgesReconnectable={false}
        deleteKeyCode={writable ? DELETE_KEYS : null}
        multiSelectionKeyCode={["Meta", "Control"]}
        snapToGrid
        snapGrid={SNAP}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements
        onInit={fitReadably}
        defaultEdgeOptions={{ type: "smoothstep" }}
        proOptions={{ hideAttribution: true }}
        aria-label={t("canvas.label")}
        ariaLabelConfig={ariaLabels}
      >
        <Background gap={20} />
        <MiniMap pannable zoomable ariaLabel={t("canvas.minimap")} />
        <Controls showInteractive={false} aria-label={t("canvas.controls")} />
      </ReactFlow>
      <FindStep />
      {connecting && (
        <ConnectMenu
          connecting={connecting}
          onNew={addConnected}
          onExisting={connectTo}
          onDisconnect={() => connectTo(undefined)}
          onClose={closeConnectMenu}
        />
      )}
      {!nodes.some((n) => n.type === "step") && !viewing && (
        <p className="canvas-empty">{t("canvas.empty")}</p>
      )}
    </div>
  );
}
