import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, get, path, post } from "../api/client";
import type { StoredFlow } from "../api/types";
import { DiagnosticList } from "./DiagnosticList";
import { useModalAction } from "./useModalAction";

/** "Duplicate": a copy of a flow under a new id, in the same form of file. Shown while it is
 * rendered. */
export function DuplicateFlowDialog({
  source,
  onClose,
  onDone,
}: {
  source: string;
  onClose: () => void;
  onDone: (id: string) => void;
}) {
  const { t } = useTranslation();
  const [id, setId] = useState(`${source}-copy`);
  const { ref, heading, busy, error, diagnostics, run } = useModalAction(onClose);

  function submit(event: FormEvent) {
    event.preventDefault();
    const flow = id.trim();
    const exists = (e: unknown) =>
      e instanceof ApiError && e.status === 409 ? t("newFlow.exists", { id: flow }) : null;
    void run(async () => {
      const stored = await get<StoredFlow>(path("/api/flows/{id}", source));
      if (!stored.document) throw new Error(t("duplicateFlow.noDocument", { id: source }));
      await post<StoredFlow>("/api/flows", {
        document: { ...stored.document, flow },
        format: stored.formats[0] ?? "json",
        message: `Duplicated from ${source}`,
      });
      onDone(flow);
    }, exists);
  }

  return (
    <dialog ref={ref} aria-labelledby={heading} onClose={onClose} className="duplicate-dialog">
      <form onSubmit={submit}>
        <h2 id={heading}>{t("duplicateFlow.title", { id: source })}</h2>
        <label>
          {t("duplicateFlow.newId")}
          <input
            value={id}
            onChange={(e) => setId(e.target.value)}
            required
            spellCheck={false}
            autoComplete="off"
            aria-invalid={error ? true : undefined}
          />
        </label>
        {error && (
          <div role="alert">
            <p className="error-text">{error}</p>
            <DiagnosticList diagnostics={diagnostics} />
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose} disabled={busy}>
            {t("confirmDialog.cancel")}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t("duplicateFlow.submit")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
