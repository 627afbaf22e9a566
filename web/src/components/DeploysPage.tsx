import { useCallback, useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { get, path, post } from "../api/client";
import type { Deployed, DeployRecord, FlowListEntry } from "../api/types";
import { actionFor, flowIds, isLiveEntry, liveVersions, resultTone } from "../deploys";
import { headlineOf, readableTime, shortVersion } from "../flowlist";
import { follow, href } from "../route";
import { can, listFlows, say, useStore } from "../store";
import { ConfirmDialog } from "./ConfirmDialog";
import { PageHeader } from "./PageHeader";

const LIMIT = 200;

interface Asking {
  kind: "rollback" | "restore";
  record: DeployRecord;
}

/** The deploy log: what went live when, by whom, what was refused and why; roll back, or make
 * an earlier version live again. */
export function DeploysPage() {
  const { t, i18n } = useTranslation();
  const me = useStore((s) => s.me);
  const ids = useId();
  const [records, setRecords] = useState<DeployRecord[] | null>(null);
  const [flows, setFlows] = useState<FlowListEntry[]>([]);
  const [flow, setFlow] = useState("");
  const [loadError, setLoadError] = useState<string | null>(null);
  const [asking, setAsking] = useState<Asking | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const deployer = me !== null && can("deploy");

  const reload = useCallback(async (only: string) => {
    const query = new URLSearchParams({ limit: String(LIMIT) });
    if (only) query.set("flow", only);
    try {
      const [log, list] = await Promise.all([
        get<{ deploys: DeployRecord[] }>(`/api/deploys?${query}`),
        listFlows().catch(() => [] as FlowListEntry[]),
      ]);
      setRecords(log.deploys);
      setFlows(list as FlowListEntry[]);
      setLoadError(null);
    } catch (error) {
      setLoadError(headlineOf(error));
    }
  }, []);

  useEffect(() => {
    void reload(flow);
  }, [reload, flow]);

  function time(iso: string) {
    return (
      <time dateTime={iso} title={iso}>
        {readableTime(iso, i18n.language)}
      </time>
    );
  }

  function version(value: string | null) {
    return value ? (
      <code title={value}>{shortVersion(value)}</code>
    ) : (
      <span className="muted">—</span>
    );
  }

  async function act({ kind, record }: Asking) {
    if (!record.flow) return;
    const answer = await post<Deployed>(
      path("/api/flows/{id}/rollback", record.flow),
      kind === "restore" ? { version: record.version } : {},
    );
    const text = t("deploys.done", {
      flow: answer.flow ?? record.flow,
      version: shortVersion(answer.version),
      previous: shortVersion(answer.previous) || t("deploys.nothing"),
    });
    setOutcome(text);
    say(text);
    await reload(flow);
  }

  const live = liveVersions(records ?? [], flows);
  const choices = flowIds(records ?? [], flows);
  if (flow && !choices.includes(flow)) choices.push(flow);

  return (
    <div className="page deploys-page">
      <PageHeader
        title={t("deploys.title")}
        links={[
          { to: { page: "flows" }, label: t("deploys.backToFlows") },
          ...(me !== null && can("prompts")
            ? [{ to: { page: "studio" } as const, label: t("studio.title") }]
            : []),
        ]}
        navLabel={t("flowList.pages")}
      />

      <div className="toolbar">
        <div className="inline-field">
          <label htmlFor={`${ids}-flow`}>{t("deploys.filter")}</label>
          <select id={`${ids}-flow`} value={flow} onChange={(e) => setFlow(e.target.value)}>
            <option value="">{t("deploys.allFlows")}</option>
            {choices.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={() => void reload(flow)}>
          {t("deploys.refresh")}
        </button>
        {!deployer && (
          <p id={`${ids}-nodeploy`} className="readonly-note">
            {t("deploys.cannotDeploy")}
          </p>
        )}
      </div>

      {outcome && (
        <p className="deploy-outcome" role="status">
          {outcome}
        </p>
      )}
      {loadError && (
        <div className="trouble" role="alert">
          <p className="error-text">{t("deploys.loadFailed", { reason: loadError })}</p>
          <button type="button" onClick={() => void reload(flow)}>
            {t("flowList.retry")}
          </button>
        </div>
      )}
      {records === null && !loadError && <p className="loading">{t("flowList.loading")}</p>}
      {records !== null && (
        <table className="table">
          <caption className="visually-hidden">{t("deploys.caption", { limit: LIMIT })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("deploys.when")}</th>
              <th scope="col">{t("deploys.flow")}</th>
              <th scope="col">{t("deploys.result")}</th>
              <th scope="col">{t("deploys.version")}</th>
              <th scope="col">{t("deploys.previous")}</th>
              <th scope="col">{t("deploys.who")}</th>
              <th scope="col">{t("deploys.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {records.map((record, index) => {
              const action = actionFor(records, index, live);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: log records have no id
                <tr key={`${record.when}-${index}`}>
                  <td>{time(record.when)}</td>
                  <td>
                    {record.flow ? (
                      <a
                        href={href({ page: "editor", flow: record.flow })}
                        onClick={(e) =>
                          record.flow && follow(e, { page: "editor", flow: record.flow })
                        }
                      >
                        {record.flow}
                      </a>
                    ) : (
                      <span className="muted">{record.source ?? "—"}</span>
                    )}
                  </td>
                  <td>
                    <span className={`pill ${resultTone(record.result)}`}>
                      {t(`deploys.results.${record.result}`)}
                    </span>
                    {isLiveEntry(records, index, live) && (
                      <>
                        {" "}
                        <span className="pill">{t("deploys.liveNow")}</span>
                      </>
                    )}
                    {record.errors.length > 0 && (
                      <ul className="deploy-errors" aria-label={t("deploys.errors")}>
                        {record.errors.map((error, i) => (
                          // biome-ignore lint/suspicious/noArrayIndexKey: the same text may repeat
                          <li key={i}>
                            <code>{error}</code>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{version(record.version)}</td>
                  <td>{version(record.previous)}</td>
                  <td>{record.who || <span className="muted">—</span>}</td>
                  <td>
                    {action && (
                      <button
                        type="button"
                        disabled={!deployer}
                        title={deployer ? undefined : t("deploys.cannotDeploy")}
                        aria-describedby={deployer ? undefined : `${ids}-nodeploy`}
                        onClick={() => setAsking({ kind: action, record })}
                      >
                        {action === "rollback" ? t("deploys.rollback") : t("deploys.restore")}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
            {records.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  {t("deploys.none")}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}

      {asking && (
        <ConfirmDialog
          title={
            asking.kind === "rollback"
              ? t("deploys.rollbackTitle", { flow: asking.record.flow })
              : t("deploys.restoreTitle", {
                  flow: asking.record.flow,
                  version: shortVersion(asking.record.version),
                })
          }
          confirmLabel={asking.kind === "rollback" ? t("deploys.rollback") : t("deploys.restore")}
          onConfirm={() => act(asking)}
          onClose={() => setAsking(null)}
        >
          <p>
            {asking.kind === "rollback"
              ? t("deploys.rollbackBody", {
                  flow: asking.record.flow,
                  version: shortVersion(asking.record.version),
                })
              : t("deploys.restoreBody", {
                  flow: asking.record.flow,
                  version: shortVersion(asking.record.version),
                  current: shortVersion(live[asking.record.flow ?? ""]) || t("deploys.nothing"),
                })}
          </p>
          <p className="muted">{t("deploys.callsInProgress")}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
