import { useTranslation } from "react-i18next";
import type { Mark } from "../flow/graph";
import type { FlowDoc } from "../flow/types";
import { save, takeTheirs, useStore, view } from "../store";

/** Someone saved the flow while this draft was being edited: the user chooses, nothing is lost. */
export function ConflictBanner() {
  const { t } = useTranslation();
  const conflict = useStore((s) => s.conflict);
  const viewing = useStore((s) => s.viewing);
  const doc = useStore((s) => s.doc);
  if (!conflict || !doc) return null;
  const theirs = (conflict.document ?? { flow: conflict.id }) as FlowDoc;

  function compare() {
    const marks: Record<string, Mark> = {};
    const mine = doc?.nodes ?? {};
    for (const [id, step] of Object.entries(theirs.nodes ?? {})) {
      if (!(id in mine)) marks[id] = "added";
      else if (JSON.stringify(mine[id]) !== JSON.stringify(step)) marks[id] = "changed";
    }
    view({
      label: t("conflict.viewing", { revision: conflict?.revision, author: conflict?.author }),
      doc: theirs,
      marks,
    });
  }

  return (
    <div className="conflict" role="alert">
      <strong>{t("conflict.title")}</strong>{" "}
      {t("conflict.text", {
        revision: conflict.revision,
        author: conflict.author,
        time: new Date(conflict.time).toLocaleString(),
      })}
      <div className="toolbar">
        {viewing ? (
          <button type="button" onClick={() => view(null)}>
            {t("conflict.backToMine")}
          </button>
        ) : (
          <button type="button" onClick={compare}>
            {t("conflict.compare")}
          </button>
        )}
        <button
          type="button"
          onClick={() => {
            view(null);
            takeTheirs();
          }}
        >
          {t("conflict.reload")}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            view(null);
            void save(t("conflict.overwriteMessage"), true);
          }}
        >
          {t("conflict.overwrite")}
        </button>
      </div>
    </div>
  );
}
