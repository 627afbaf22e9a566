import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, get, path, post } from "../api/client";
import type { Deployed, Diagnostic, FlowDiff, FlowListEntry, LiveVersion } from "../api/types";
import { type DiffSummary, summarizeDiff } from "../deploys";
import { diagnosticsOf, headlineOf, readableTime, shortVersion } from "../flowlist";
import { can, listFlows, save, showDiagnostics, useStore } from "../store";
import { DiagnosticList } from "./DiagnosticList";

type Comparison =
  | { state: "loading" }
  | { state: "unknown" }
  | { state: "notLive" }
  | { state: "noRevision"; live: LiveVersion }
  | { state: "same"; live: LiveVersion }
  | { state: "diff"; live: LiveVersion; summary: DiffSummary }
  | { state: "error"; message: string };

interface Refusal {
  message: string;
  diagnostics: Diagnostic[];
}

const NO_DIAGNOSTICS: Diagnostic[] = [];

/** Deploying the flow being edited: saved first, its problems, what changes against the live
 * version, then the deploy and what it did (or why it was refused). */
export function DeployDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  const ids = useId();
  const flowId = useStore((s) => s.flowId);
  const revision = useStore((s) => s.saved?.revision ?? null);
  const saveState = useStore((s) => s.saveState);
  const diagnostics = useStore((s) => s.diagnostics ?? NO_DIAGNOSTICS);
  const linting = useStore((s) => s.linting);
  const me = useStore((s) => s.me);
  const [message, setMessage] = useState("");
  const [comparison, setComparison] = useState<Comparison>({ state: "loading" });
  const [deploying, setDeploying] = useState(false);
  const [result, setResult] = useState<Deployed | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [error, setError] = useState<string | null>(null);

  const saved = saveState === "saved";
  const errors = diagnostics.filter((d) => d.severity === "error");
  const warnings = diagnostics.filter((d) => d.severity === "warning");
  const deployer = me !== null && can("deploy");
  const writer = me !== null && can("write");

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setResult(null);
      setRefusal(null);
      setError(null);
      dialog.showModal();
    } else if (!open && dialog.open) dialog.close();
  }, [open]);

  const compare = useCallback(async (id: string, current: number, signal?: AbortSignal) => {
    setComparison({ state: "loading" });
    try {
      const flows = (await listFlows()) as FlowListEntry[];
      const live = flows.find((f) => f.id === id)?.live;
      if (signal?.aborted) return;
      if (live === undefined) setComparison({ state: "unknown" });
      else if (live === null) setComparison({ state: "notLive" });
      else if (live.revision == null) setComparison({ state: "noRevision", live });
      else if (live.revision === current) setComparison({ state: "same", live });
      else {
        const query = new URLSearchParams({ from: String(live.revision), to: String(current) });
        const answer = await get<{ diff: FlowDiff }>(
          `${path("/api/flows/{id}/diff", id)}?${query}`,
          signal,
        );
        if (signal?.aborted) return;
        setComparison({ state: "diff", live, summary: summarizeDiff(answer.diff) });
      }
    } catch (e) {
      if (signal?.aborted || (e as Error)?.name === "AbortError") return;
      setComparison({ state: "error", message: headlineOf(e) });
    }
  }, []);

  useEffect(() => {
    if (!open || !flowId || revision === null) return;
    const running = new AbortController();
    void compare(flowId, revision, running.signal);
    return () => running.abort();
  }, [open, flowId, revision, compare]);

  async function saveFirst(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (await save(message.trim() || "Saved before deploying")) setMessage("");
    else if (useStore.getState().saveState === "conflict") setError(t("deployDialog.conflict"));
  }

  async function deploy() {
    if (!flowId || revision === null) return;
    setDeploying(true);
    setResult(null);
    setRefusal(null);
    setError(null);
    try {
      const answer = await post<Deployed>(path("/api/flows/{id}/deploy", flowId), { revision });
      setResult(answer);
      void compare(flowId, revision);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const found = diagnosticsOf(e);
        setRefusal({ message: headlineOf(e), diagnostics: found });
        if (found.length) showDiagnostics(found);
      } else setError(headlineOf(e));
    } finally {
      setDeploying(false);
    }
  }

  const blocked = !deployer
    ? t("deployDialog.cannotDeploy")
    : !saved
      ? t("deployDialog.saveFirst")
      : linting
        ? t("deployDialog.checking")
        : errors.length
          ? t("deployDialog.fixErrors")
          : null;

  function when(iso: string) {
    return (
      <time dateTime={iso} title={iso}>
        {readableTime(iso, i18n.language)}
      </time>
    );
  }

  function changes(summary: DiffSummary) {
    if (summary.same) {
      return (
        <p>
          {summary.layout.length
            ? t("deployDialog.onlyLayout", { count: summary.layout.length })
            : summary.canvas
              ? t("deployDialog.onlyCanvas")
              : t("deployDialog.nothingChanges")}
        </p>
      );
    }
    return (
      <ul className="diff-list">
        {summary.added.length > 0 && (
          <li>
            <span className="pill ok">
              {t("deployDialog.added", { count: summary.added.length })}
            </span>{" "}
            {summary.added.map((step) => (
              <code key={step}>{step}</code>
            ))}
          </li>
        )}
        {summary.removed.length > 0 && (
          <li>
            <span className="pill error">
              {t("deployDialog.removed", { count: summary.removed.length })}
            </span>{" "}
            {summary.removed.map((step) => (
              <code key={step}>{step}</code>
            ))}
          </li>
        )}
        {summary.changed.length > 0 && (
          <li>
            <span className="pill warning">
              {t("deployDialog.changed", { count: summary.changed.length })}
            </span>
            <ul>
              {summary.changed.map(({ step, fields }) => (
                <li key={step}>
                  <code>{step}</code>:{" "}
                  {fields.map((f) => (
                    <code
                      key={f.pointer}
                      className={`change-${f.kind}`}
                      title={t(`deployDialog.kind.${f.kind}`)}
                    >
                      {f.pointer}
                    </code>
                  ))}
                </li>
              ))}
            </ul>
          </li>
        )}
        {summary.flow.length > 0 && (
          <li>
            <span className="pill">{t("deployDialog.flowFields")}</span>{" "}
            {summary.flow.map((f) => (
              <code
                key={f.pointer}
                className={`change-${f.kind}`}
                title={t(`deployDialog.kind.${f.kind}`)}
              >
                {f.pointer}
              </code>
            ))}
          </li>
        )}
        {summary.layout.length > 0 && (
          <li className="muted">{t("deployDialog.layoutToo", { count: summary.layout.length })}</li>
        )}
        {summary.canvas && <li className="muted">{t("deployDialog.canvasToo")}</li>}
      </ul>
    );
  }

  function liveLine(live: LiveVersion) {
    return (
      <p>
        {t("deployDialog.liveIs")} <code title={live.version}>{shortVersion(live.version)}</code>
        {live.revision != null && ` (${t("deployDialog.revision", { revision: live.revision })})`}
        {live.when && (
          <>
            {" · "}
            {when(live.when)}
          </>
        )}
        {live.who && ` · ${live.who}`}
      </p>
    );
  }

  return (
    <dialog ref={ref} aria-labelledby={`${ids}-title`} onClose={onClose} className="deploy-dialog">
      <div className="dialog-body">
        <h2 id={`${ids}-title`}>{t("deployDialog.title", { flow: flowId ?? "" })}</h2>

        <section aria-labelledby={`${ids}-saved`} className="deploy-step">
          <h3 id={`${ids}-saved`}>{t("deployDialog.savedHeading")}</h3>
          {saved ? (
            <p>
              <span className="pill ok">{t("deployDialog.saved")}</span>{" "}
              {revision !== null && t("deployDialog.willDeploy", { revision })}
            </p>
          ) : saveState === "conflict" ? (
            <p className="error-text">{t("deployDialog.conflict")}</p>
          ) : (
            <form onSubmit={saveFirst} className="deploy-save">
              <p>
                <span className="pill warning">{t("deployDialog.unsaved")}</span>{" "}
                {t("deployDialog.unsavedBody")}
              </p>
              <label>
                {t("deployDialog.message")}
                <input
                  value={message}
                  onChange={(e) => setMessage(e.target.value)}
                  placeholder={t("deployDialog.messageHint")}
                  disabled={!writer}
                />
              </label>
              <div className="dialog-actions">
                <button
                  type="submit"
                  className="primary"
                  disabled={!writer || saveState === "saving"}
                >
                  {saveState === "saving" ? t("deployDialog.saving") : t("deployDialog.saveAndGo")}
                </button>
              </div>
            </form>
          )}
        </section>

        <section aria-labelledby={`${ids}-problems`} className="deploy-step">
          <h3 id={`${ids}-problems`}>{t("deployDialog.problemsHeading")}</h3>
          {linting ? (
            <p className="muted">{t("deployDialog.checking")}</p>
          ) : errors.length || warnings.length ? (
            <>
              <p>
                {errors.length > 0 && (
                  <span className="pill error">
                    {t("deployDialog.errors", { count: errors.length })}
                  </span>
                )}{" "}
                {warnings.length > 0 && (
                  <span className="pill warning">
                    {t("deployDialog.warnings", { count: warnings.length })}
                  </span>
                )}
              </p>
              <DiagnosticList diagnostics={[...errors, ...warnings]} />
            </>
          ) : (
            <p>
              <span className="pill ok">{t("deployDialog.noProblems")}</span>
            </p>
          )}
        </section>

        <section aria-labelledby={`${ids}-changes`} className="deploy-step">
          <h3 id={`${ids}-changes`}>{t("deployDialog.changesHeading")}</h3>
          {!saved ? (
            <p className="muted">{t("deployDialog.changesAfterSave")}</p>
          ) : comparison.state === "loading" ? (
            <p className="muted">{t("deployDialog.comparing")}</p>
          ) : comparison.state === "unknown" ? (
            <p className="muted">{t("deployDialog.liveUnknown")}</p>
          ) : comparison.state === "notLive" ? (
            <p>{t("deployDialog.notLive")}</p>
          ) : comparison.state === "error" ? (
            <p className="error-text">{comparison.message}</p>
          ) : (
            <>
              {liveLine(comparison.live)}
              {comparison.state === "noRevision" ? (
                <p className="muted">{t("deployDialog.noRevision")}</p>
              ) : comparison.state === "same" ? (
                <p>{t("deployDialog.sameRevision")}</p>
              ) : (
                changes(comparison.summary)
              )}
            </>
          )}
        </section>

        {result && (
          <section className="deploy-result" role="status">
            <h3>
              {result.result === "unchanged"
                ? t("deployDialog.unchanged")
                : t("deployDialog.deployed")}
            </h3>
            <p>
              {t("deployDialog.version")}{" "}
              <code title={result.version ?? ""}>{shortVersion(result.version)}</code>
              {" · "}
              {t("deployDialog.previous")}{" "}
              {result.previous ? (
                <code title={result.previous}>{shortVersion(result.previous)}</code>
              ) : (
                t("deployDialog.nothingBefore")
              )}
            </p>
            <DiagnosticList
              diagnostics={result.diagnostics ?? []}
              label={t("deployDialog.warningsLabel")}
            />
          </section>
        )}
        {refusal && (
          <section className="deploy-result refused" role="alert">
            <h3>{t("deployDialog.refused")}</h3>
            <p className="error-text">{refusal.message}</p>
            <DiagnosticList diagnostics={refusal.diagnostics} />
            {refusal.diagnostics.length > 0 && (
              <p className="muted">{t("deployDialog.onCanvas")}</p>
            )}
          </section>
        )}
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}

        <div className="dialog-actions">
          {blocked && (
            <span id={`${ids}-blocked`} className="readonly-note">
              {blocked}
            </span>
          )}
          <button type="button" onClick={onClose}>
            {result ? t("deployDialog.close") : t("deployDialog.cancel")}
          </button>
          <button
            type="button"
            className="primary"
            disabled={blocked !== null || deploying}
            aria-describedby={blocked ? `${ids}-blocked` : undefined}
            onClick={() => void deploy()}
          >
            {deploying ? t("deployDialog.deploying") : t("deployDialog.deploy")}
          </button>
        </div>
      </div>
    </dialog>
  );
}
