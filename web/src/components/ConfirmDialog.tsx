import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Diagnostic } from "../api/types";
import { diagnosticsOf, headlineOf } from "../flowlist";
import { DiagnosticList } from "./DiagnosticList";

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  /** Does the thing; an error it throws is shown in the dialog, which stays open. */
  onConfirm: () => Promise<void>;
  /** Closes the dialog (Cancel, Escape, or after onConfirm is done). */
  onClose: () => void;
}

/** "Are you sure?": says what will happen, and does it only when confirmed. Shown while it is
 * rendered. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger = false,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const heading = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [diagnostics, setDiagnostics] = useState<Diagnostic[]>([]);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDiagnostics([]);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(headlineOf(e));
      setDiagnostics(diagnosticsOf(e));
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} aria-labelledby={heading} onClose={onClose} className="confirm-dialog">
      <form onSubmit={submit}>
        <h2 id={heading}>{title}</h2>
        <div>{children}</div>
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
          <button type="submit" className={danger ? "danger" : "primary"} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
