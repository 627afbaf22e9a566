/** The designer's one store: who is logged in, the flow being edited (its document, what the
 * server has, undo history, diagnostics), and what the canvas shows. Components select small
 * slices of it; everything that talks to the server goes through api/client. */
import type { Edge } from "@xyflow/react";
import { create } from "zustand";
import { ApiError, call, get, path, post, setCsrf } from "./api/client";
import type { Diagnostic, FlowSummary, Me, StoredFlow } from "./api/types";
import * as edit from "./flow/edit";
import { type CanvasNode, type Mark, picture } from "./flow/graph";
import * as history from "./flow/history";
import { autoLayout } from "./flow/layout";
import type { FlowDoc, Point } from "./flow/types";
import i18next from "./i18n";

export type SaveState = "saved" | "unsaved" | "saving" | "conflict";
export type DrawerTab = "problems" | "text" | "test" | "history";

export interface Saved {
  doc: FlowDoc;
  etag: string;
  revision: number;
  author: string;
  time: string;
  formats: string[];
}

export interface Notice {
  kind: "info" | "error";
  text: string;
}

export interface State {
  me: Me | null;
  anyUsers: boolean;
  checked: boolean;
  notice: Notice | null;

  flowId: string | null;
  doc: FlowDoc | null;
  saved: Saved | null;
  saveState: SaveState;
  conflict: StoredFlow | null;
  history: history.History;
  diagnostics: Diagnostic[];
  linting: boolean;
  fill: Record<string, Point>;
  marks: Record<string, Mark>;
  selected: ReadonlySet<string>;
  nodes: CanvasNode[];
  edges: Edge[];
  /** A step to bring into view and select (a problem clicked, a find). */
  focus: { id: string; at: number } | null;
  drawer: DrawerTab;
  clip: edit.Clip | null;
  /** Another document shown instead of the draft (a revision, a diff): read-only. */
  viewing: { label: string; doc: FlowDoc; marks: Record<string, Mark> } | null;
  /** An exit being connected through the connect menu (an exit's button, or an exit dropped on
   * empty canvas). */
  connecting: Connecting | null;
}

export interface Connecting {
  source: string;
  handle: string;
  target?: string | undefined;
  /** Where the menu opens, in the page's pixels. */
  screen: Point;
  /** What gets the keyboard focus back when the menu closes. */
  returnFocus?: HTMLElement;
}

const initial = {
  flowId: null,
  doc: null,
  saved: null,
  saveState: "saved" as SaveState,
  conflict: null,
  history: history.EMPTY,
  diagnostics: [],
  linting: false,
  fill: {},
  marks: {},
  selected: new Set<string>(),
  nodes: [],
  edges: [],
  focus: null,
  clip: null,
  viewing: null,
  connecting: null,
};

export const useStore = create<State>(() => ({
  me: null,
  anyUsers: true,
  checked: false,
  notice: null,
  drawer: "problems",
  ...initial,
}));

const set = useStore.setState;
const state = useStore.getState;

export function can(permission: string): boolean {
  return (state().me?.permissions as string[] | undefined)?.includes(permission) ?? false;
}

export function say(text: string, kind: Notice["kind"] = "info"): void {
  set({ notice: { kind, text } });
}

export function failed(error: unknown): void {
  if ((error as Error)?.name === "AbortError") return;
  say(error instanceof Error ? error.message : String(error), "error");
}

// -- who is logged in ---------------------------------------------------------------------------

export async function whoAmI(): Promise<void> {
  try {
    const me = await get<Me | { user: null; users: boolean }>("/api/session");
    if (me.user === null) {
      setCsrf(null);
      set({ me: null, anyUsers: (me as { users: boolean }).users, checked: true });
    } else {
      setCsrf((me as Me).csrf ?? null);
      set({ me: me as Me, checked: true });
    }
  } catch (error) {
    set({ checked: true });
    failed(error);
  }
}

export async function logIn(user: string, password: string): Promise<void> {
  const me = await post<Me>("/api/session", { user, password });
  setCsrf(me.csrf ?? null);
  set({ me, notice: null });
}

export async function logOut(): Promise<void> {
  if (state().saveState === "unsaved") keepDraft();
  await call("DELETE", "/api/session").catch(() => undefined);
  setCsrf(null);
  set({ me: null, ...initial });
}

// -- the flow being edited ------------------------------------------------------------------------

function draftKey(id: string): string {
  return `sce.draft.${id}`;
}

interface KeptDraft {
  doc: FlowDoc;
  etag: string;
}

/** Unsaved changes are kept in the browser until saved, so a reload loses nothing. */
function keepDraft(): void {
  const { flowId, doc, saved, saveState } = state();
  if (!flowId || !doc || !saved) return;
  if (saveState === "saved") localStorage.removeItem(draftKey(flowId));
  else localStorage.setItem(draftKey(flowId), JSON.stringify({ doc, etag: saved.etag }));
}

function savedOf(stored: StoredFlow): Saved {
  return {
    doc: (stored.document ?? { flow: stored.id }) as FlowDoc,
    etag: stored.etag,
    revision: stored.revision,
    author: stored.author,
    time: stored.time,
    formats: stored.formats,
  };
}

export async function openFlow(id: string): Promise<void> {
  set({ ...initial, flowId: id });
  const stored = await get<StoredFlow>(path("/api/flows/{id}", id));
  if (state().flowId !== id) return;
  const saved = savedOf(stored);
  let doc = saved.doc;
  let base = saved;
  let saveState: SaveState = "saved";
  const kept = localStorage.getItem(draftKey(id));
  if (kept) {
    try {
      const draft = JSON.parse(kept) as KeptDraft;
      doc = draft.doc;
      // A draft made on an older version saves as a conflict, never over the newer one.
      base = { ...saved, etag: draft.etag };
      saveState = "unsaved";
      say(i18next.t("notice.draftKept"));
    } catch {
      localStorage.removeItem(draftKey(id));
    }
  }
  set({ doc, saved: base, saveState, diagnostics: stored.diagnostics });
  redraw();
  lintSoon(0);
  await fillLayout();
}

/** Steps a document does not place are laid out by elkjs; the rest stay where they are. The
 * draft's (as it opens, or a revision restored into it), or a revision's being viewed. */
async function fillLayout(shown?: FlowDoc): Promise<void> {
  const doc = shown ?? state().doc;
  if (!doc) return;
  const missing = edit.unplaced(doc).filter((id) => !(id in state().fill));
  if (!missing.length) return;
  const positions = await autoLayout(doc);
  if ((shown ? state().viewing?.doc : state().doc) !== doc) return;
  const found = missing.filter((id) => positions[id]).map((id) => [id, positions[id]]);
  set({ fill: { ...state().fill, ...Object.fromEntries(found) } });
  redraw();
  if (!state().focus) focusAll(); // unless the user went to a step meanwhile
}

export async function layOutAll(): Promise<void> {
  const doc = state().doc;
  if (!doc) return;
  const positions = await autoLayout(doc);
  const { [edit.START]: start, ...rest } = positions;
  change((d) => {
    const moved = edit.moveSteps(d, rest);
    return start ? { ...moved, ui: { ...moved.ui, start } } : moved;
  });
  focusAll();
}

export function redraw(): void {
  const { doc, diagnostics, fill, marks, selected, viewing, nodes, edges } = state();
  const shown = viewing?.doc ?? doc;
  if (!shown) return;
  const drawn = picture(
    {
      doc: shown,
      diagnostics: viewing ? [] : diagnostics,
      fill,
      marks: viewing?.marks ?? marks,
      selected,
    },
    { nodes, edges },
  );
  set({ nodes: drawn.nodes, edges: drawn.edges });
}

/** Every change to the flow goes through here: one undo step (or part of a burst with `key`),
 * the draft kept, a lint asked for. */
export function change(fn: (doc: FlowDoc) => FlowDoc, key: string | null = null): void {
  const { doc, history: h, viewing } = state();
  if (!doc || viewing || !can("write")) return;
  const next = fn(doc);
  if (next === doc) return;
  set({
    doc: next,
    history: history.record(h, doc, key, Date.now()),
    saveState: state().saveState === "conflict" ? "conflict" : "unsaved",
  });
  afterChange();
}

function afterChange(): void {
  redraw();
  keepDraft();
  lintSoon();
}

/** Undoing back to what the server has is saved again (documents are immutable: the same object). */
function stateOf(doc: FlowDoc): SaveState {
  const { saved, saveState } = state();
  if (saveState === "conflict") return "conflict";
  return doc === saved?.doc ? "saved" : "unsaved";
}

export function undo(): void {
  const { doc, history: h } = state();
  if (!doc) return;
  const back = history.undo(h, doc);
  if (!back) return;
  set({ history: back[0], doc: back[1], saveState: stateOf(back[1]) });
  afterChange();
}

export function redo(): void {
  const { doc, history: h } = state();
  if (!doc) return;
  const forward = history.redo(h, doc);
  if (!forward) return;
  set({ history: forward[0], doc: forward[1], saveState: stateOf(forward[1]) });
  afterChange();
}

export function select(ids: Iterable<string>): void {
  set({ selected: new Set(ids) });
  redraw();
}

export function focusStep(id: string): void {
  set({ focus: { id, at: Date.now() }, selected: new Set([id]) });
  redraw();
}

export function focusAll(): void {
  set({ focus: { id: "", at: Date.now() } });
}

export function showCanvas(nodes: CanvasNode[]): void {
  set({ nodes });
}

export function openConnectMenu(connecting: Connecting): void {
  set({ connecting });
}

export function closeConnectMenu(): void {
  const back = state().connecting?.returnFocus;
  set({ connecting: null });
  if (back?.isConnected) back.focus();
}

export function setDrawer(drawer: DrawerTab): void {
  set({ drawer });
}

export function markPath(marks: Record<string, Mark>): void {
  set({ marks });
  redraw();
}

export function view(viewing: State["viewing"]): void {
  set({ viewing });
  redraw();
  if (viewing) void fillLayout(viewing.doc);
}

// -- DeployDialog: a refused deploy's diagnostics on the canvas (until the next lint) ----------

export function showDiagnostics(diagnostics: Diagnostic[]): void {
  set({ diagnostics });
  redraw();
}

// -- lint while drawing -----------------------------------------------------------------------

let lintTimer: ReturnType<typeof setTimeout> | undefined;
let lintRunning: AbortController | undefined;
const LINT_DELAY_MS = 400;

/** Lints the draft after a quiet moment; a newer change cancels the request in flight, so a slow
 * answer never overwrites a newer one. */
export function lintSoon(delay = LINT_DELAY_MS): void {
  clearTimeout(lintTimer);
  lintTimer = setTimeout(lintNow, delay);
}

async function lintNow(): Promise<void> {
  const { doc, flowId } = state();
  if (!doc || !flowId) return;
  lintRunning?.abort();
  const running = new AbortController();
  lintRunning = running;
  set({ linting: true });
  try {
    const answer = await post<{ ok: boolean; diagnostics: Diagnostic[] }>(
      "/api/lint",
      { document: placedDoc(doc) },
      running.signal,
    );
    if (lintRunning !== running || state().doc !== doc) return;
    set({ diagnostics: answer.diagnostics, linting: false });
    redraw();
  } catch (error) {
    if (lintRunning !== running) return;
    set({ linting: false });
    if (error instanceof ApiError && error.status === 503) lintSoon(1000);
    else failed(error);
  }
}

/** The draft with every step placed where the canvas shows it. */
export function placedDoc(doc: FlowDoc): FlowDoc {
  return edit.place(doc, state().fill);
}

// -- saving ------------------------------------------------------------------------------------

export async function save(message: string, overwrite = false): Promise<boolean> {
  const { doc, saved, flowId, conflict } = state();
  if (!doc || !saved || !flowId) return false;
  set({ saveState: "saving" });
  try {
    const answer = await call<StoredFlow>("PUT", path("/api/flows/{id}", flowId), {
      body: { document: placedDoc(doc), message },
      ifMatch: overwrite && conflict ? conflict.etag : saved.etag,
    });
    const stored = answer.body;
    const now = savedOf(stored);
    const same = state().doc === doc;
    set({
      saved: now,
      conflict: null,
      saveState: same ? "saved" : "unsaved",
      doc: same ? now.doc : state().doc,
      diagnostics: same ? stored.diagnostics : state().diagnostics,
      fill: same ? {} : state().fill,
    });
    keepDraft();
    redraw();
    say(i18next.t("notice.saved", { revision: stored.revision }));
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      const current = (error.body as unknown as { current: StoredFlow }).current;
      set({ saveState: "conflict", conflict: current });
      return false;
    }
    set({ saveState: "unsaved" });
    failed(error);
    return false;
  }
}

/** Drops the draft and takes the flow as someone else saved it. */
export function takeTheirs(): void {
  const { conflict, flowId } = state();
  if (!conflict || !flowId) return;
  localStorage.removeItem(draftKey(flowId));
  const saved = savedOf(conflict);
  set({
    doc: saved.doc,
    saved,
    conflict: null,
    saveState: "saved",
    history: history.EMPTY,
    diagnostics: conflict.diagnostics,
  });
  redraw();
  void fillLayout();
}

/** A document (a revision, an applied DSL text) becomes the draft, as one undoable change. */
export function replaceDraft(doc: FlowDoc): void {
  change(() => doc);
  void fillLayout();
}

// -- the flow list ------------------------------------------------------------------------------

export async function listFlows(): Promise<FlowSummary[]> {
  return (await get<{ flows: FlowSummary[] }>("/api/flows")).flows;
}

export function leaveFlow(): void {
  keepDraft();
  set({ ...initial });
}

window.addEventListener("beforeunload", (event) => {
  if (state().saveState !== "saved") {
    keepDraft();
    event.preventDefault();
  }
});
