import { useEffect, useId, useRef, useState } from "react";
import type { Diagnostic } from "../api/types";
import { diagnosticsOf, headlineOf } from "../flowlist";

/** What every dialog that does one thing shares: it opens as a modal when rendered, and `run`
 * does its action, closing on success, or showing what went wrong (and the diagnostics) while
 * it stays open. `explain` may put a known failure in the dialog's own words. */
export function useModalAction(onClose: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  const heading = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [diagnostics, setDiagnostics] = useState<Diagnostic[]>([]);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  async function run(action: () => Promise<void>, explain?: (error: unknown) => string | null) {
    setBusy(true);
    setError(null);
    setDiagnostics([]);
    try {
      await action();
      onClose();
    } catch (e) {
      setError(explain?.(e) ?? headlineOf(e));
      setDiagnostics(diagnosticsOf(e));
      setBusy(false);
    }
  }

  return { ref, heading, busy, error, diagnostics, run };
}
