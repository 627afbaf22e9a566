import type { FormEvent, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { DiagnosticList } from "./DiagnosticList";
import { useModalAction } from "./useModalAction";

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
  const { ref, heading, busy, error, diagnostics, run } = useModalAction(onClose);

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(onConfirm);
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
