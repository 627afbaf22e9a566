import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { STEP_TYPES } from "../flow/schema";
import type { Point } from "../flow/types";
import { stepTitle } from "../words";
import { StepIcon } from "./StepIcon";

/** The palette where an exit was dropped on empty canvas: the step picked there is added,
 * already connected. */
export function QuickAdd({
  at,
  onPick,
  onClose,
}: {
  at: Point;
  onPick: (type: string) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => {
    list.current?.querySelector("button")?.focus();
  }, []);
  return (
    <div
      ref={list}
      className="quick-add"
      role="menu"
      aria-label={t("canvas.quickAdd")}
      style={{ left: at.x, top: at.y }}
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      {STEP_TYPES.map((type) => (
        <button key={type} type="button" role="menuitem" onClick={() => onPick(type)}>
          <StepIcon type={type} /> {stepTitle(t, type)}
        </button>
      ))}
      <button type="button" role="menuitem" className="link" onClick={onClose}>
        {t("app.cancel")}
      </button>
    </div>
  );
}
