import { Handle, Position } from "@xyflow/react";
import { useTranslation } from "react-i18next";
import { can, openConnectMenu, useStore } from "../store";

/** One exit of a step: its label, which is also a button that opens the connect menu (how a
 * keyboard user wires a flow), and the handle a mouse drags to another step. */
export function ExitHandle({
  step,
  handle,
  label,
  target,
  state,
}: {
  step: string;
  handle: string;
  label: string;
  target: string | undefined;
  state: "" | "open" | "flagged";
}) {
  const { t } = useTranslation();
  const writable = useStore((s) => !s.viewing) && can("write");
  const where = target ? `→ ${target}` : t("canvas.open");
  return (
    <div className={`step-exit ${state}`} data-exit={handle}>
      {writable ? (
        <button
          type="button"
          className="exit-label nodrag nopan"
          title={where}
          aria-label={t("canvas.connectExit", { exit: label, step, where })}
          onClick={(e) => {
            const box = e.currentTarget.getBoundingClientRect();
            openConnectMenu({
              source: step,
              handle,
              target,
              screen: { x: box.right + 14, y: box.top },
              returnFocus: e.currentTarget,
            });
          }}
        >
          {label}
        </button>
      ) : (
        <span title={where}>{label}</span>
      )}
      <Handle type="source" position={Position.Right} id={handle} />
    </div>
  );
}
