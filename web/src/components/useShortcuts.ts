import type { ReactFlowInstance } from "@xyflow/react";
import { useEffect } from "react";
import * as edit from "../flow/edit";
import type { CanvasNode } from "../flow/graph";
import { can, change, redo, select, undo, useStore } from "../store";
import { FIND_EVENT } from "./FindStep";

export const SAVE_EVENT = "sce:save";
const PASTE_OFFSET = { x: 40, y: 40 };
const NUDGE = 10;

/** Whether a key press belongs to a field: its own undo and arrows win there. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

/** The editor's keyboard: undo/redo, copy/paste/duplicate, save, find, nudge with the arrows. */
export function useShortcuts(flow: ReactFlowInstance<CanvasNode>): void {
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      // Saving is the one shortcut that works in a field too, as in every editor.
      if (mod && key === "s") {
        event.preventDefault();
        window.dispatchEvent(new Event(SAVE_EVENT));
        return;
      }
      if (typing(event.target)) return;
      const { doc, selected, clip } = useStore.getState();
      if (!doc) return;
      if (mod && key === "f") {
        event.preventDefault();
        window.dispatchEvent(new Event(FIND_EVENT));
      } else if (mod && ((key === "z" && event.shiftKey) || key === "y")) {
        event.preventDefault();
        redo();
      } else if (mod && key === "z") {
        event.preventDefault();
        undo();
      } else if (mod && key === "c" && selected.size) {
        useStore.setState({ clip: edit.copy(doc, selected) });
      } else if (mod && key === "x" && selected.size && can("write")) {
        useStore.setState({ clip: edit.copy(doc, selected) });
        change((d) => edit.remove(d, selected));
      } else if (mod && (key === "v" || key === "d")) {
        const source = key === "d" ? edit.copy(doc, selected) : clip;
        if (!source || (!Object.keys(source.steps).length && !source.notes.length)) return;
        event.preventDefault();
        let pasted: string[] = [];
        change((d) => {
          const [next, ids] = edit.paste(d, source, PASTE_OFFSET);
          pasted = ids;
          return next;
        });
        if (pasted.length) select(pasted);
      } else if (mod && key === "a") {
        event.preventDefault();
        select(flow.getNodes().map((n) => n.id));
      } else if (key.startsWith("arrow") && selected.size && can("write")) {
        event.preventDefault();
        const step = event.shiftKey ? NUDGE * 5 : NUDGE;
        const dx = key === "arrowleft" ? -step : key === "arrowright" ? step : 0;
        const dy = key === "arrowup" ? -step : key === "arrowdown" ? step : 0;
        const moves: Record<string, { x: number; y: number }> = {};
        for (const node of flow.getNodes()) {
          if (selected.has(node.id) && node.id !== edit.START) {
            moves[node.id] = { x: node.position.x + dx, y: node.position.y + dy };
          }
        }
        change((d) => edit.moveSteps(d, moves), "nudge");
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [flow]);
}
