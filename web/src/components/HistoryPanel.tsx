import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { get, path } from "../api/client";
import type { FlowDiff, Revision, RevisionInfo } from "../api/types";
import { diffView, inOrder, noDifference, shortJson } from "../flow/diffview";
import type { FlowDoc } from "../flow/types";
import { can, failed, focusStep, replaceDraft, type State, say, useStore, view } from "../store";
import { ConfirmDialog } from "./ConfirmDialog";

type Viewing = NonNullable<State["viewing"]>;
type FieldChange = FlowDiff["flow"][number];

interface Differences {
  from: number;
  to: number;
  diff: FlowDiff;
  viewing: Viewing;
}

const REVISION = "/api/flows/{id}/revisions/{n}";

async function revisionOf(flowId: string, n: number, signal?: AbortSignal): Promise<Revision> {
  return get<Revision>(path(REVISION, flowId, n), signal);
}

/** The history of the flow: every saved revision, newest first; two of them compared on the
 * canvas; one of them viewed, or restored into the draft. */
export function HistoryPanel() {
  const { t, i18n } = useTranslation();
  const flowId = useStore((s) => s.flowId);
  const savedRevision = useStore((s) => s.saved?.revision);
  const viewing = useStore((s) => s.viewing);
  const writable = useStore(
    (s) => (s.me?.permissions as string[] | undefined)?.includes("write") ?? false,
  );
  const [revisions, setRevisions] = useState<RevisionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<number[]>([]);
  const [differences, setDifferences] = useState<Differences | null>(null);
  const [busy, setBusy] = useState(false);
  const [restoring, setRestoring] = useState<RevisionInfo | null>(null);

  // The list again whenever the flow gets a new revision (a save here, or a restore saved).
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new saved revision makes the list stale
  useEffect(() => {
    if (!flowId) {
      setRevisions(null);
      return;
    }
    const running = new AbortController();
    setError(null);
    get<{ flow: string; revisions: RevisionInfo[] }>(
      path("/api/flows/{id}/revisions", flowId),
      running.signal,
    )
      .then((answer) => {
        setRevisions([...answer.revisions].sort((a, b) => b.revision - a.revision));
        setPicked((old) => old.filter((n) => answer.revisions.some((r) => r.revision === n)));
      })
      .catch((e: unknown) => {
        if ((e as Error)?.name !== "AbortError")
          setError(e instanceof Error ? e.message : String(e));
      });
    return () => running.abort();
  }, [flowId, savedRevision]);

  // Another flow: nothing of this one's history is kept.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the flow changes
  useEffect(() => {
    return () => {
      setPicked([]);
      setDifferences(null);
    };
  }, [flowId]);

  function pick(n: number, on: boolean) {
    setPicked((old) => {
      const rest = old.filter((m) => m !== n);
      // Two at most: a third one checked takes the place of the one checked first.
      return on ? [...rest, n].slice(-2) : rest;
    });
  }

  async function showDifferences() {
    if (!flowId || picked.length !== 2) return;
    const [from, to] = inOrder(picked[0] as number, picked[1] as number);
    setBusy(true);
    setError(null);
    try {
      const [answer, older, newer] = await Promise.all([
        get<{ flow: string; from: number; to: number; diff: FlowDiff }>(
          `${path("/api/flows/{id}/diff", flowId)}?from=${from}&to=${to}`,
        ),
        revisionOf(flowId, from),
        revisionOf(flowId, to),
      ]);
      const shown = diffView(
        older.document as unknown as FlowDoc | null,
        newer.document as unknown as FlowDoc | null,
        answer.diff,
        useStore.getState().fill,
      );
      const viewing: Viewing = { label: t("history.diffLabel", { from, to }), ...shown };
      view(viewing);
      setDifferences({ from, to, diff: answer.diff, viewing });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function viewRevision(info: RevisionInfo) {
    if (!flowId) return;
    setError(null);
    try {
      const revision = await revisionOf(flowId, info.revision);
      if (!revision.document) {
        setError(t("history.noDocument", { revision: info.revision }));
        return;
      }
      setDifferences(null);
      view({
        label: t("history.viewLabel", { revision: info.revision, author: info.author }),
        doc: revision.document as unknown as FlowDoc,
        marks: {},
      });
    } catch (e) {
      failed(e);
    }
  }

  async function restore(info: RevisionInfo) {
    if (!flowId) return;
    const revision = await revisionOf(flowId, info.revision);
    if (!revision.document) throw new Error(t("history.noDocument", { revision: info.revision }));
    // The draft is what changes: whatever the canvas showed instead makes way for it.
    view(null);
    setDifferences(null);
    replaceDraft(revision.document as unknown as FlowDoc);
    say(t("history.restored", { revision: info.revision }));
  }

  function backToDraft() {
    view(null);
    setDifferences(null);
  }

  const shownHere = differences !== null && viewing === differences.viewing;
  const dateOf = (iso: string) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(i18n.language);
  };

  if (!flowId) return null;
  return (
    <div className="history">
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          disabled={picked.length !== 2 || busy}
          onClick={() => void showDifferences()}
        >
          {t("history.showDifferences")}
        </button>
        <span className="muted small">
          {picked.length === 2
            ? t("history.comparing", { from: Math.min(...picked), to: Math.max(...picked) })
            : t("history.pickTwo")}
        </span>
        <span className="spacer" />
        {viewing && (
          <button type="button" onClick={backToDraft}>
            {t("history.backToDraft")}
          </button>
        )}
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}

      {shownHere && <ChangeList differences={differences} />}

      {revisions === null && !error && <p className="muted">{t("history.loading")}</p>}
      {revisions?.length === 0 && <p className="muted">{t("history.none")}</p>}
      {revisions && revisions.length > 0 && (
        <table className="table history-table">
          <caption className="visually-hidden">{t("history.caption", { flow: flowId })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("history.compare")}</th>
              <th scope="col">{t("history.revision")}</th>
              <th scope="col">{t("history.author")}</th>
              <th scope="col">{t("history.time")}</th>
              <th scope="col">{t("history.message")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("history.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {revisions.map((info) => (
              <tr key={info.revision} className={info.deleted ? "deleted" : undefined}>
                <td className="compare-cell">
                  <input
                    type="checkbox"
                    aria-label={t("history.compareRevision", { revision: info.revision })}
                    checked={picked.includes(info.revision)}
                    onChange={(e) => pick(info.revision, e.target.checked)}
                  />
                </td>
                <td>
                  {info.revision}
                  {info.revision === savedRevision && (
                    <>
                      {" "}
                      <span className="pill">{t("history.current")}</span>
                    </>
                  )}
                  {info.deleted && (
                    <>
                      {" "}
                      <span className="pill error">{t("history.deleted")}</span>
                    </>
                  )}
                </td>
                <td>{info.author || t("history.nobody")}</td>
                <td>
                  <time dateTime={info.time} title={info.time}>
                    {dateOf(info.time)}
                  </time>
                </td>
                <td>{info.message || <span className="muted">{t("history.noMessage")}</span>}</td>
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      disabled={info.deleted}
                      onClick={() => void viewRevision(info)}
                      aria-label={t("history.viewRevision", { revision: info.revision })}
                    >
                      {t("history.view")}
                    </button>
                    {writable && (
                      <button
                        type="button"
                        disabled={info.deleted}
                        onClick={() => setRestoring(info)}
                        aria-label={t("history.restoreRevision", { revision: info.revision })}
                      >
                        {t("history.restore")}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {restoring && (
        <ConfirmDialog
          title={t("history.restoreTitle", { revision: restoring.revision })}
          confirmLabel={t("history.restore")}
          onConfirm={() => restore(restoring)}
          onClose={() => setRestoring(null)}
        >
          <p>
            {t("history.restoreBody", { revision: restoring.revision, author: restoring.author })}
          </p>
          {!can("write") && <p className="error-text">{t("history.cannotRestore")}</p>}
        </ConfirmDialog>
      )}
    </div>
  );
}

/** What differs between the two revisions, step by step: fields as pointers, old → new. */
function ChangeList({ differences }: { differences: Differences }) {
  const { t } = useTranslation();
  const { diff, from, to } = differences;
  if (noDifference(diff)) return <p className="muted">{t("history.same", { from, to })}</p>;
  const stepButton = (id: string) => (
    <button type="button" className="link" onClick={() => focusStep(id)}>
      <code>{id}</code>
    </button>
  );
  return (
    <section className="history-changes" aria-label={t("history.changes", { from, to })}>
      <h3>{t("history.changes", { from, to })}</h3>
      <ul className="diff-list">
        {diff.added.map((id) => (
          <li key={`+${id}`} className="change-added">
            {stepButton(id)} {t("history.stepAdded")}
          </li>
        ))}
        {diff.removed.map((id) => (
          <li key={`-${id}`} className="change-removed-step">
            {stepButton(id)} {t("history.stepRemoved")}
          </li>
        ))}
        {Object.entries(diff.changed).map(([id, changes]) => (
          <li key={`~${id}`}>
            {stepButton(id)} {t("history.stepChanged")}
            <Fields changes={changes} />
          </li>
        ))}
        {diff.flow.length > 0 && (
          <li>
            {t("history.flowChanged")}
            <Fields changes={diff.flow} />
          </li>
        )}
        {diff.layout.length > 0 && (
          <li className="muted">{t("history.moved", { steps: diff.layout.join(", ") })}</li>
        )}
        {(diff as { canvas?: boolean }).canvas && (
          <li className="muted">{t("history.canvasChanged")}</li>
        )}
      </ul>
    </section>
  );
}

function Fields({ changes }: { changes: FieldChange[] }) {
  const { t } = useTranslation();
  return (
    <ul>
      {changes.map((change) => (
        <li key={change.pointer} className={`change-${change.kind}`}>
          <code>{change.pointer || "/"}</code>{" "}
          {change.kind === "added" && t("history.fieldAdded", { value: shortJson(change.new) })}
          {change.kind === "removed" && t("history.fieldRemoved", { value: shortJson(change.old) })}
          {change.kind === "changed" &&
            t("history.fieldChanged", { old: shortJson(change.old), new: shortJson(change.new) })}
        </li>
      ))}
    </ul>
  );
}
