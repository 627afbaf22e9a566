import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, post } from "../api/client";
import type { StoredFlow, StudioImport, StudioImportNote } from "../api/types";
import { go } from "../route";
import { DiagnosticList } from "./DiagnosticList";
import { useModalAction } from "./useModalAction";

/** "Import from Twilio Studio": what the import of one Studio export did, widget by widget, before
 * the flow is created (the server converted it; nothing is stored until "Create and open"). */
export function StudioImportDialog({
  imported,
  name,
  onClose,
}: {
  imported: StudioImport;
  name: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { ref, heading, busy, error, diagnostics, run } = useModalAction(onClose);
  const [id, setId] = useState(imported.flow);
  const report = imported.report;
  const errors = imported.diagnostics.filter((d) => d.severity === "error");

  function create() {
    const flow = id.trim();
    const exists = (e: unknown) =>
      e instanceof ApiError && e.status === 409 ? t("studioImport.exists", { id: flow }) : null;
    void run(async () => {
      await post<StoredFlow>("/api/flows", {
        document: { ...imported.document, flow },
        format: "json",
        message: `Imported from Twilio Studio (${name})`,
      });
      go({ page: "editor", flow });
    }, exists);
  }

  return (
    <dialog ref={ref} aria-labelledby={heading} onClose={onClose} className="studio-import-dialog">
      <div className="dialog-body">
        <h2 id={heading}>{t("studioImport.title", { name })}</h2>
        <p>
          {t("studioImport.summary", {
            count: report.widgets.length,
            mapped: report.counts.mapped,
            approximated: report.counts.approximated,
            marked: report.counts.marked,
          })}
          {report.channel === "mixed" && <> {t("studioImport.mixed")}</>}
        </p>
        <NoteList title={t("studioImport.attention")} notes={report.attention} />
        <NoteList title={t("studioImport.warnings")} notes={report.warnings} />
        {report.hosts.length > 0 && (
          <p>{t("studioImport.hosts", { hosts: report.hosts.join(", ") })}</p>
        )}
        {errors.length > 0 && (
          <section aria-label={t("studioImport.problems")}>
            <h3>{t("studioImport.problems")}</h3>
            <DiagnosticList diagnostics={errors} />
          </section>
        )}
        <details>
          <summary>{t("studioImport.widgets")}</summary>
          <table className="studio-import-widgets">
            <thead>
              <tr>
                <th scope="col">{t("studioImport.studioName")}</th>
                <th scope="col">{t("studioImport.studioType")}</th>
                <th scope="col">{t("studioImport.step")}</th>
              </tr>
            </thead>
            <tbody>
              {report.widgets.map((w) => (
                <tr key={w.studio_name}>
                  <td>{w.studio_name}</td>
                  <td>{w.studio_type}</td>
                  <td>
                    {w.node} ({w.node_type})
                    {w.how !== "mapped" && <strong> {t(`studioImport.how.${w.how}`)}</strong>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
        <div className="field">
          <label htmlFor={`${heading}-id`}>{t("newFlow.id")}</label>
          <input
            id={`${heading}-id`}
            value={id}
            onChange={(e) => setId(e.target.value)}
            required
            spellCheck={false}
            autoComplete="off"
          />
        </div>
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
          <button type="button" className="primary" onClick={create} disabled={busy || !id.trim()}>
            {t("newFlow.create")}
          </button>
        </div>
      </div>
    </dialog>
  );
}

function NoteList({ title, notes }: { title: string; notes: StudioImportNote[] }) {
  if (notes.length === 0) return null;
  return (
    <section aria-label={title}>
      <h3>{title}</h3>
      <ul>
        {notes.map((n) => (
          <li key={`${n.widget}: ${n.message}`}>
            <strong>{n.widget}</strong>: {n.message}
          </li>
        ))}
      </ul>
    </section>
  );
}
