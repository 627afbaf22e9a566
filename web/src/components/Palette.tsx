import { useReactFlow } from "@xyflow/react";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { addNote, addStep } from "../flow/edit";
import { STEP_TYPES } from "../flow/schema";
import { can, change, focusStep } from "../store";
import { stepHelp, stepTitle } from "../words";
import { StepIcon } from "./StepIcon";

export const DRAG_TYPE = "application/x-sce-step";

/** The step types to drag onto the canvas (or to add with Enter), searchable; and a sticky note. */
export function Palette() {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const flow = useReactFlow();
  const writable = can("write");
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return STEP_TYPES.filter(
      (type) =>
        !q ||
        type.includes(q) ||
        stepTitle(t, type).toLowerCase().includes(q) ||
        stepHelp(t, type).toLowerCase().includes(q),
    );
  }, [query, t]);

  function centre() {
    const box = document.querySelector(".canvas-area")?.getBoundingClientRect();
    const point = box
      ? { x: box.x + box.width / 2, y: box.y + box.height / 2 }
      : { x: 400, y: 300 };
    return flow.screenToFlowPosition(point);
  }

  function add(type: string) {
    let id = "";
    change((doc) => {
      const [next, added] = addStep(doc, type, centre());
      id = added;
      return next;
    });
    if (id) focusStep(id);
  }

  return (
    <aside className="side palette" aria-label={t("palette.label")}>
      <h2>{t("palette.title")}</h2>
      <input
        type="search"
        aria-label={t("palette.search")}
        placeholder={t("palette.search")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {!writable && <p className="readonly-note">{t("palette.readonly")}</p>}
      <ul className="palette-list" aria-label={t("palette.types")}>
        {shown.map((type) => (
          <li key={type}>
            <button
              type="button"
              className="palette-item"
              draggable={writable}
              disabled={!writable}
              aria-label={t("palette.add", { type: stepTitle(t, type) })}
              title={stepHelp(t, type)}
              onDragStart={(e) => {
                e.dataTransfer.setData(DRAG_TYPE, type);
                e.dataTransfer.effectAllowed = "copy";
              }}
              onClick={() => add(type)}
            >
              <StepIcon type={type} />
              <strong>{stepTitle(t, type)}</strong>
              <small>{stepHelp(t, type)}</small>
            </button>
          </li>
        ))}
        <li>
          <button
            type="button"
            className="palette-item"
            disabled={!writable}
            onClick={() => change((doc) => addNote(doc, centre(), t("palette.noteText"))[0])}
          >
            <StepIcon type="note" />
            <strong>{t("palette.note")}</strong>
            <small>{t("palette.noteHelp")}</small>
          </button>
        </li>
      </ul>
    </aside>
  );
}
