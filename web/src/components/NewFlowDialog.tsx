import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, post } from "../api/client";
import type { StoredFlow } from "../api/types";
import { type FileForm, parseLanguages } from "../flowlist";
import { go } from "../route";
import { DiagnosticList } from "./DiagnosticList";
import { useModalAction } from "./useModalAction";

/** "New flow": its id, title, languages and the form of its file; made empty, then opened. Shown
 * while it is rendered. */
export function NewFlowDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [id, setId] = useState("");
  const [title, setTitle] = useState("");
  const [languages, setLanguages] = useState("en-US");
  const [form, setForm] = useState<FileForm>("flow");
  const { ref, heading, busy, error, diagnostics, run } = useModalAction(onClose);

  function submit(event: FormEvent) {
    event.preventDefault();
    const flow = id.trim();
    const langs = parseLanguages(languages);
    const exists = (e: unknown) =>
      e instanceof ApiError && e.status === 409 ? t("newFlow.exists", { id: flow }) : null;
    void run(async () => {
      await post<StoredFlow>("/api/flows", {
        document: {
          flow,
          ...(title.trim() ? { title: title.trim() } : {}),
          ...(langs.length ? { languages: langs } : {}),
          nodes: {},
        },
        format: form,
        message: "Created",
      });
      go({ page: "editor", flow });
    }, exists);
  }

  return (
    <dialog ref={ref} aria-labelledby={heading} onClose={onClose} className="new-flow-dialog">
      <form onSubmit={submit}>
        <h2 id={heading}>{t("newFlow.title")}</h2>
        <div className="field">
          <label htmlFor={`${heading}-id`}>{t("newFlow.id")}</label>
          <input
            id={`${heading}-id`}
            value={id}
            onChange={(e) => setId(e.target.value)}
            required
            spellCheck={false}
            autoComplete="off"
            aria-describedby={`${heading}-id-help`}
            aria-invalid={error ? true : undefined}
          />
          <span id={`${heading}-id-help`} className="help">
            {t("newFlow.idHelp")}
          </span>
        </div>
        <label>
          {t("newFlow.flowTitle")}
          <input value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <div className="field">
          <label htmlFor={`${heading}-languages`}>{t("newFlow.languages")}</label>
          <input
            id={`${heading}-languages`}
            value={languages}
            onChange={(e) => setLanguages(e.target.value)}
            spellCheck={false}
            aria-describedby={`${heading}-languages-help`}
          />
          <span id={`${heading}-languages-help`} className="help">
            {t("newFlow.languagesHelp")}
          </span>
        </div>
        <fieldset className="fieldset">
          <legend>{t("newFlow.form")}</legend>
          <label className="checkbox">
            <input
              type="radio"
              name="form"
              value="flow"
              checked={form === "flow"}
              onChange={() => setForm("flow")}
            />
            {t("newFlow.formFlow")}
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="form"
              value="json"
              checked={form === "json"}
              onChange={() => setForm("json")}
            />
            {t("newFlow.formJson")}
          </label>
        </fieldset>
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
            {t("newFlow.create")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
