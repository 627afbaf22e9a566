import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { useTranslation } from "react-i18next";
import { START } from "../flow/edit";
import type { StartNode as StartNodeType } from "../flow/graph";
import { exitLabel } from "../words";
import { ExitHandle } from "./ExitHandle";

/** Where a call begins, and where it goes when something fails: the flow's own two exits. */
export const StartNode = memo(function StartNode({ data }: NodeProps<StartNodeType>) {
  const { t } = useTranslation();
  return (
    // biome-ignore lint/a11y/useSemanticElements: the flow's own exits, a group of handles, not a form's fieldset
    <div className="start-node" role="group" aria-label={t("canvas.callStarts")}>
      <div>{t("canvas.callStarts")}</div>
      {(["start", "on_error"] as const).map((handle) => {
        const target = handle === "start" ? data.start : data.onError;
        return (
          <ExitHandle
            key={handle}
            step={START}
            handle={handle}
            label={exitLabel(t, handle)}
            target={target}
            state={target ? "" : "open"}
          />
        );
      })}
    </div>
  );
});
