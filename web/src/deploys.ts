/** The deploy log read for the people who act on it: which version of each flow is live, which
 * entry may be rolled back or made live again, and what a diff between revisions says. */
import type { DeployRecord, FlowDiff, FlowListEntry } from "./api/types";

/** The results that leave a version live. */
const LIVE_RESULTS: ReadonlySet<string> = new Set(["deployed", "rolled-back", "unchanged"]);
/** The results that made a version go live (those the server makes live again). */
const WENT_LIVE: ReadonlySet<string> = new Set(["deployed", "rolled-back"]);

export type LogAction = "rollback" | "restore" | null;

/** The live version of each flow: as the flow list says, else the newest entry of the log (newest
 * first) that left one live. */
export function liveVersions(
  records: readonly DeployRecord[],
  flows: readonly { id: string; live?: { version: string } | null }[] = [],
): Record<string, string> {
  const live: Record<string, string> = {};
  for (const record of records) {
    if (
      record.flow &&
      record.version &&
      LIVE_RESULTS.has(record.result) &&
      !(record.flow in live)
    ) {
      live[record.flow] = record.version;
    }
  }
  for (const flow of flows) {
    if (flow.live?.version) live[flow.id] = flow.live.version;
    else if (flow.live === null) delete live[flow.id];
  }
  return live;
}

/** Whether an entry is the newest one of its flow that made `version` go live. */
function newestOf(records: readonly DeployRecord[], index: number, version: string): boolean {
  const record = records[index];
  return !records
    .slice(0, index)
    .some((r) => r.flow === record?.flow && r.version === version && WENT_LIVE.has(r.result));
}

/** Whether an entry is the one that made its flow's live version live (the newest such). */
export function isLiveEntry(
  records: readonly DeployRecord[],
  index: number,
  live: Readonly<Record<string, string>>,
): boolean {
  const record = records[index];
  if (!record?.flow || !record.version || !WENT_LIVE.has(record.result)) return false;
  return live[record.flow] === record.version && newestOf(records, index, record.version);
}

/** What an entry of the log (newest first) offers: "rollback" on the one that made the live
 * version live, when there is a version before it to go back to; "restore" on the newest entry
 * of each other version that went live (make it live again); nothing on the others. */
export function actionFor(
  records: readonly DeployRecord[],
  index: number,
  live: Readonly<Record<string, string>>,
): LogAction {
  const record = records[index];
  if (!record?.flow || !record.version || !WENT_LIVE.has(record.result)) return null;
  const current = live[record.flow];
  if (current === undefined || !newestOf(records, index, record.version)) return null;
  if (record.version !== current) return "restore";
  // Something to go back to: what was live before it, or an older version that went live.
  const earlier =
    record.previous !== null ||
    records
      .slice(index + 1)
      .some((r) => r.flow === record.flow && r.version !== current && WENT_LIVE.has(r.result));
  return earlier ? "rollback" : null;
}

export function resultTone(result: DeployRecord["result"]): "ok" | "error" {
  return result === "refused" ? "error" : "ok";
}

/** The flows named in the log and the list, each once, by id. */
export function flowIds(
  records: readonly DeployRecord[],
  flows: readonly Pick<FlowListEntry, "id">[] = [],
): string[] {
  const ids = new Set<string>(flows.map((f) => f.id));
  for (const record of records) if (record.flow) ids.add(record.flow);
  return [...ids].sort((a, b) => a.localeCompare(b));
}

export interface DiffSummary {
  added: string[];
  removed: string[];
  changed: { step: string; fields: { pointer: string; kind: string }[] }[];
  flow: { pointer: string; kind: string }[];
  /** Steps only moved or recoloured. */
  layout: string[];
  /** The canvas's own notes or view changed. */
  canvas: boolean;
  /** Nothing a caller would notice changes. */
  same: boolean;
}

export function summarizeDiff(diff: FlowDiff): DiffSummary {
  const changed = Object.entries(diff.changed ?? {})
    .map(([step, fields]) => ({
      step,
      fields: fields.map((f) => ({ pointer: f.pointer || "/", kind: f.kind })),
    }))
    .sort((a, b) => a.step.localeCompare(b.step));
  const flow = (diff.flow ?? []).map((f) => ({ pointer: f.pointer || "/", kind: f.kind }));
  const added = [...(diff.added ?? [])].sort();
  const removed = [...(diff.removed ?? [])].sort();
  return {
    added,
    removed,
    changed,
    flow,
    layout: [...(diff.layout ?? [])].sort(),
    canvas: diff.canvas ?? false,
    same: !added.length && !removed.length && !changed.length && !flow.length,
  };
}
