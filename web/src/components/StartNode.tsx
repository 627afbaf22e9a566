import { Handle, type NodeProps, Position } from "@xyflow/react";
import { memo } from "react";
import { useTranslation } from "react-i18next";
import type { StartNode as StartNodeType } from "../flow/graph";
import { exitLabel } from "../words";

/** Where a call begins, and where it goes when something fails: the flow's own two exits. */
export const StartNode = memo(function StartNode({ data }: NodeProps<StartNodeType>) {
  const { t } = useTranslation();
  return (
    // biome-ignore lint/a11y/useSemanticElements: the flow's own exits, a group of handles, not a form's fieldset
    <div className="start-node" role="group" aria-label={t("canvas.callStarts")}>
      <div>{t("canvas.callStarts")}</div>
      {(["start", "on_error"] as const).map((handle) => (
        <div
          key={handle}
          className={`step-exit ${(handle === "start" ? data.start : data.onError) ? "" : "open"}`}
        >
          <span>{exitLabel(t, handle)}</span>
          <Handle type="source" position={Position.Right} id={handle} />
        </div>
      ))}
    </div>
  );
});
