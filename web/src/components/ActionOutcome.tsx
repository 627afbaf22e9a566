import { useTranslation } from "react-i18next";
import { dismissOutcome, useStudio } from "../studioStore";

/** What the last thing done to a prompt came to: the server's refusal word for word (it says
 * why, in plain words), or what was done. A refusal stays until dismissed or the next try. */
export function ActionOutcome() {
  const { t } = useTranslation();
  const error = useStudio((s) => s.actionError);
  const done = useStudio((s) => s.actionDone);
  if (error) {
    return (
      <div className="trouble studio-outcome" role="alert">
        <strong>{t("studio.notSaved")}</strong>
        <p className="error-text refusal">{error}</p>
        <button type="button" onClick={dismissOutcome}>
          {t("app.dismiss")}
        </button>
      </div>
    );
  }
  return (
    <p className="studio-done" role="status">
      {done ?? ""}
    </p>
  );
}
