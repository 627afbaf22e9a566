import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, get, path, post } from "../api/client";
import type { Diagnostic, StoredFlow } from "../api/types";
import { diagnosticsOf, headlineOf } from "../flowlist";
import { DiagnosticList } from "./DiagnosticList";

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
  const ref = useRef<HTMLDialogElement>(null);
  const heading = useId();
  const [id, setId] = useState(`${source}-copy`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [diagnostics, setDiagnostics] = useState<Diagnostic[]>([]);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const flow = id.trim();
    setBusy(true);
    setError(null);
    setDiagnostics([]);
    try {
      const stored = await get<StoredFlow>(path("/api/flows/{id}", source));
      if (!stored.document) throw new Error(t("duplicateFlow.noDocument", { id: source }));
      await post<StoredFlow>("/api/flows", {
        document: { ...stored.document, flow },
        format: stored.formats[0] ?? "json",
        message: `Duplicated from ${source}`,
      });
      onDone(flow);
      onClose();
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 409
          ? t("newFlow.exists", { id: flow })
          : headlineOf(e),
      );
      setDiagnostics(diagnosticsOf(e));
      setBusy(false);
    }
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
