import { ReactFlowProvider } from "@xyflow/react";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { failed, leaveFlow, openFlow, useStore } from "../store";
import { forgetCatalog } from "../studioStore";
import { Canvas } from "./Canvas";
import { Drawer } from "./Drawer";
import { Palette } from "./Palette";
import { PropertiesPanel } from "./PropertiesPanel";
import { TopBar } from "./TopBar";

/** The editor of one flow: palette, canvas, properties, and the drawer of problems, text, test
 * call and history. */
export function Editor({ flowId }: { flowId: string }) {
  const { t } = useTranslation();
  const loaded = useStore((s) => s.doc !== null && s.flowId === flowId);

  useEffect(() => {
    openFlow(flowId).catch(failed);
    return leaveFlow;
  }, [flowId]);

  // The prompt fields' catalog is asked for once per editor session.
  useEffect(() => forgetCatalog, []);

  return (
    <ReactFlowProvider>
      <div className="editor">
        <TopBar />
        <div className="editor-body">
          <Palette />
          <main className="canvas-area" aria-label={t("editor.canvas")}>
            {loaded ? <Canvas /> : <p className="loading">{t("app.loading")}</p>}
          </main>
          <PropertiesPanel />
        </div>
        <Drawer />
      </div>
    </ReactFlowProvider>
  );
}
