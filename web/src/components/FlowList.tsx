import { type ChangeEvent, useCallback, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, call, get, path, post } from "../api/client";
import type {
  ConvertedDocument,
  ConvertedText,
  Diagnostic,
  FlowListEntry,
  StoredFlow,
  StudioImport,
} from "../api/types";
import {
  diagnosticsOf,
  exportName,
  type FileForm,
  type FlowSort,
  filterFlows,
  headlineOf,
  importForm,
  jsonFileText,
  readableTime,
  shortVersion,
  sortFlows,
} from "../flowlist";
import { follow, go, href } from "../route";
import { can, listFlows, say, useStore } from "../store";
import { ConfirmDialog } from "./ConfirmDialog";
import { DiagnosticList } from "./DiagnosticList";
import { DuplicateFlowDialog } from "./DuplicateFlowDialog";
import { FileButton } from "./FileButton";
import { NewFlowDialog } from "./NewFlowDialog";
import { PageHeader } from "./PageHeader";
import { StudioImportDialog } from "./StudioImportDialog";

interface Trouble {
  heading: string;
  message: string;
  diagnostics: Diagnostic[];
}

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The home page: every flow with what is live and what is wrong; new, import, duplicate,
 * export and delete. */
export function FlowList() {
  const { t, i18n } = useTranslation();
  const me = useStore((s) => s.me);
  const ids = useId();
  const [flows, setFlows] = useState<FlowListEntry[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<FlowSort>("name");
  const [creating, setCreating] = useState(false);
  const [duplicating, setDuplicating] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<FlowListEntry | null>(null);
  const [importing, setImporting] = useState(false);
  const [studio, setStudio] = useState<{ imported: StudioImport; name: string } | null>(null);
  const [trouble, setTrouble] = useState<Trouble | null>(null);
  // `me` is read so that a change of user or role shows at once.
  const writable = me !== null && can("write");
  const readOnlyReason =
    me?.role === "viewer"
      ? t("flowList.viewersCannot")
      : t("flowList.roleCannot", { role: t(`roles.${me?.role ?? "viewer"}`) });

  const reload = useCallback(async () => {
    try {
      setFlows((await listFlows()) as FlowListEntry[]);
      setLoadError(null);
    } catch (error) {
      setLoadError(headlineOf(error));
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  function time(iso: string) {
    return (
      <time dateTime={iso} title={iso}>
        {readableTime(iso, i18n.language)}
      </time>
    );
  }

  /** The file picked in `event`'s input, which is emptied so that the same file can be
   * picked again. */
  function picked(event: ChangeEvent<HTMLInputElement>): File | undefined {
    const input = event.currentTarget;
    const file = input.files?.[0];
    input.value = "";
    return file;
  }

  /** A Twilio Studio export: the server converts it, the dialog shows the report. */
  async function importStudio(event: ChangeEvent<HTMLInputElement>) {
    const file = picked(event);
    if (!file) return;
    setTrouble(null);
    setImporting(true);
    try {
      const text = await file.text();
      const imported = await post<StudioImport>("/api/import/twilio-studio", {
        text,
        name: file.name,
      });
      setStudio({ imported, name: file.name });
    } catch (error) {
      setTrouble({
        heading: t("studioImport.failed", { name: file.name }),
        message: headlineOf(error),
        diagnostics: diagnosticsOf(error),
      });
    } finally {
      setImporting(false);
    }
  }

  async function importFile(event: ChangeEvent<HTMLInputElement>) {
    const file = picked(event);
    if (!file) return;
    setTrouble(null);
    setImporting(true);
    const heading = t("importFlow.failed", { name: file.name });
    let id = "";
    try {
      const form = importForm(file.name);
      if (!form) throw new Error(t("importFlow.wrongKind", { name: file.name }));
      const text = await file.text();
      let document: Record<string, unknown>;
      if (form === "json") {
        try {
          document = JSON.parse(text) as Record<string, unknown>;
        } catch (error) {
          throw new Error(
            t("importFlow.notJson", { name: file.name, reason: (error as Error).message }),
          );
        }
      } else {
        const converted = await post<ConvertedDocument>("/api/convert", {
          text,
          format: "flow",
          path: file.name,
        });
        document = converted.document;
      }
      id = typeof document?.flow === "string" ? document.flow : "";
      await post<StoredFlow>("/api/flows", {
        document,
        format: form,
        message: `Imported from ${file.name}`,
      });
      say(t("importFlow.done", { id, name: file.name }));
      await reload();
    } catch (error) {
      setTrouble({
        heading,
        message:
          error instanceof ApiError && error.status === 409
            ? t("importFlow.exists", { id })
            : headlineOf(error),
        diagnostics: diagnosticsOf(error),
      });
    } finally {
      setImporting(false);
    }
  }

  async function exportFlow(id: string, form: FileForm) {
    setTrouble(null);
    try {
      const stored = await get<StoredFlow>(path("/api/flows/{id}", id));
      if (!stored.document) throw new Error(t("exportFlow.noDocument", { id }));
      if (form === "json") {
        download(exportName(id, form), jsonFileText(stored.document), "application/json");
      } else {
        const converted = await post<ConvertedText>("/api/convert", {
          document: stored.document,
          to: "flow",
        });
        download(exportName(id, form), converted.text, "text/plain");
      }
    } catch (error) {
      setTrouble({
        heading: t("exportFlow.failed", { name: exportName(id, form) }),
        message: headlineOf(error),
        diagnostics: diagnosticsOf(error),
      });
    }
  }

  async function deleteFlow(flow: FlowListEntry) {
    try {
      await call("DELETE", path("/api/flows/{id}", flow.id), {
        body: { message: `Deleted ${flow.id}` },
        ifMatch: flow.etag,
      });
      say(t("deleteFlow.done", { id: flow.id }));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 412)) throw error;
      say(t("deleteFlow.stale", { id: flow.id }), "error");
    }
    await reload();
  }

  const shown = flows ? sortFlows(filterFlows(flows, query), sort) : [];

  return (
    <div className="page flow-list">
      <PageHeader
        title={t("flowList.title")}
        links={[
          { to: { page: "deploys" }, label: t("flowList.deploys") },
          ...(me !== null && can("prompts")
            ? [{ to: { page: "studio" } as const, label: t("studio.title") }]
            : []),
        ]}
        navLabel={t("flowList.pages")}
      />

      <div className="toolbar">
        <div className="inline-field">
          <label htmlFor={`${ids}-search`}>{t("flowList.search")}</label>
          <input
            id={`${ids}-search`}
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder={t("flowList.searchHint")}
          />
        </div>
        <div className="inline-field">
          <label htmlFor={`${ids}-sort`}>{t("flowList.sortBy")}</label>
          <select
            id={`${ids}-sort`}
            value={sort}
            onChange={(e) => setSort(e.target.value as FlowSort)}
          >
            <option value="name">{t("flowList.sortName")}</option>
            <option value="edited">{t("flowList.sortEdited")}</option>
          </select>
        </div>
        <span className="spacer" />
        <button
          type="button"
          className="primary"
          disabled={!writable}
          aria-describedby={writable ? undefined : `${ids}-readonly`}
          onClick={() => setCreating(true)}
        >
          {t("flowList.new")}
        </button>
        <FileButton
          label={t("importFlow.label")}
          accept=".json,.flow"
          disabled={!writable || importing}
          describedBy={writable ? undefined : `${ids}-readonly`}
          onChange={(e) => void importFile(e)}
        >
          {importing ? t("importFlow.busy") : t("importFlow.button")}
        </FileButton>
        <FileButton
          label={t("studioImport.label")}
          accept=".json"
          disabled={!writable || importing}
          describedBy={writable ? undefined : `${ids}-readonly`}
          onChange={(e) => void importStudio(e)}
        >
          {t("studioImport.button")}
        </FileButton>
      </div>
      {!writable && (
        <p id={`${ids}-readonly`} className="readonly-note">
          {readOnlyReason}
        </p>
      )}

      {trouble && (
        <div className="trouble" role="alert">
          <h2>{trouble.heading}</h2>
          <p className="error-text">{trouble.message}</p>
          <DiagnosticList diagnostics={trouble.diagnostics} />
          <button type="button" onClick={() => setTrouble(null)}>
            {t("flowList.dismiss")}
          </button>
        </div>
      )}

      {loadError && (
        <div className="trouble" role="alert">
          <p className="error-text">{t("flowList.loadFailed", { reason: loadError })}</p>
          <button type="button" onClick={() => void reload()}>
            {t("flowList.retry")}
          </button>
        </div>
      )}

      {flows === null && !loadError && <p className="loading">{t("flowList.loading")}</p>}
      {flows !== null && (
        <table className="table">
          <caption className="visually-hidden">{t("flowList.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("flowList.name")}</th>
              <th scope="col">{t("flowList.flowTitle")}</th>
              <th scope="col">{t("flowList.languages")}</th>
              <th scope="col">{t("flowList.live")}</th>
              <th scope="col">{t("flowList.lastEdit")}</th>
              <th scope="col">{t("flowList.problems")}</th>
              <th scope="col">{t("flowList.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((flow) => (
              <tr key={flow.id}>
                <th scope="row">
                  <a
                    href={href({ page: "editor", flow: flow.id })}
                    onClick={(e) => follow(e, { page: "editor", flow: flow.id })}
                  >
                    {flow.id}
                  </a>
                </th>
                <td>{flow.title || <span className="muted">—</span>}</td>
                <td>
                  {flow.languages?.length ? (
                    flow.languages.join(", ")
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  {flow.live ? (
                    <span className="live">
                      <code title={flow.live.version}>{shortVersion(flow.live.version)}</code>{" "}
                      {flow.live.when && time(flow.live.when)}
                      {flow.live.who && <span className="muted"> · {flow.live.who}</span>}
                    </span>
                  ) : flow.live === null ? (
                    <span className="muted">{t("flowList.notLive")}</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  {time(flow.updated)}
                  {flow.author && <span className="muted"> · {flow.author}</span>}
                </td>
                <td className="flow-problems">
                  {!flow.ok ? (
                    <>
                      <span className="pill error">{t("flowList.doesNotLoad")}</span>
                      {flow.error && <div className="muted">{flow.error}</div>}
                    </>
                  ) : !flow.problems ? (
                    <span className="muted">—</span>
                  ) : flow.problems.errors || flow.problems.warnings ? (
                    <>
                      {flow.problems.errors > 0 && (
                        <span className="pill error">
                          {t("flowList.errors", { count: flow.problems.errors })}
                        </span>
                      )}{" "}
                      {flow.problems.warnings > 0 && (
                        <span className="pill warning">
                          {t("flowList.warnings", { count: flow.problems.warnings })}
                        </span>
                      )}
                    </>
                  ) : (
                    <span className="pill ok">{t("flowList.noProblems")}</span>
                  )}
                </td>
                <td>
                  <div className="row-actions">
                    <button type="button" onClick={() => go({ page: "editor", flow: flow.id })}>
                      {t("flowList.open")}
                    </button>
                    <button
                      type="button"
                      disabled={!writable}
                      aria-describedby={writable ? undefined : `${ids}-readonly`}
                      title={writable ? undefined : readOnlyReason}
                      onClick={() => setDuplicating(flow.id)}
                    >
                      {t("flowList.duplicate")}
                    </button>
                    <button type="button" onClick={() => void exportFlow(flow.id, "json")}>
                      {t("flowList.exportJson")}
                    </button>
                    <button type="button" onClick={() => void exportFlow(flow.id, "flow")}>
                      {t("flowList.exportFlow")}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      disabled={!writable}
                      aria-describedby={writable ? undefined : `${ids}-readonly`}
                      title={writable ? undefined : readOnlyReason}
                      onClick={() => setDeleting(flow)}
                    >
                      {t("flowList.delete")}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  {flows.length === 0 ? t("flowList.none") : t("flowList.noMatch", { query })}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}

      {creating && <NewFlowDialog onClose={() => setCreating(false)} />}
      {studio && (
        <StudioImportDialog
          imported={studio.imported}
          name={studio.name}
          onClose={() => setStudio(null)}
        />
      )}
      {duplicating && (
        <DuplicateFlowDialog
          source={duplicating}
          onClose={() => setDuplicating(null)}
          onDone={(id) => {
            say(t("duplicateFlow.done", { id, source: duplicating }));
            void reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={t("deleteFlow.title", { id: deleting.id })}
          confirmLabel={t("deleteFlow.confirm")}
          danger
          onConfirm={() => deleteFlow(deleting)}
          onClose={() => setDeleting(null)}
        >
          <p>{t("deleteFlow.body", { id: deleting.id })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
