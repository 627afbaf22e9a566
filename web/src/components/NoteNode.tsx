import type { NodeProps } from "@xyflow/react";
import { memo } from "react";
import { useTranslation } from "react-i18next";
import { changeNote } from "../flow/edit";
import type { NoteNode as NoteNodeType } from "../flow/graph";
import { can, change } from "../store";

/** A sticky note on the canvas: text for the people who maintain the flow; callers never hear it. */
export const NoteNode = memo(function NoteNode({ data, selected }: NodeProps<NoteNodeType>) {
  const { t } = useTranslation();
  const { note } = data;
  return (
    <div className={`note colour-${note.color ?? "yellow"} ${selected ? "selected" : ""}`}>
      <textarea
        className="nodrag"
        aria-label={t("canvas.noteText")}
        value={note.text}
        readOnly={!can("write")}
        onChange={(e) =>
          change((doc) => changeNote(doc, note.id, { text: e.target.value }), `note:${note.id}`)
        }
      />
    </div>
  );
});
