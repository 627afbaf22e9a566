/** The recording studio's store: the prompt library as the server has it, what the list shows
 * (language, filter, search), the prompt open with its takes, what is being done to it, and the
 * recording session. Also the catalog the editor's prompt fields offer, loaded once per editor
 * session. Everything that talks to the server goes through api/client. */
import { create } from "zustand";
import { ApiError, call, get, path, post, upload } from "./api/client";
import type { Prompt, PromptList, PromptSummary, TakeAdded, TakeSource } from "./api/types";
import i18next from "./i18n";
import { replace } from "./route";
import { type PromptFilter, pickLanguage, shownPrompts } from "./studio";

/** What is being done to the prompt open: one thing at a time. */
export type Busy = "upload" | "synthesise" | "choose" | "approve";

export interface Session {
  /** The prompts of the list as the session started, in its order. */
  ids: string[];
  index: number;
}

export interface StudioState {
  prompts: PromptSummary[] | null;
  languages: string[];
  loadError: string | null;
  language: string;
  filter: PromptFilter;
  query: string;
  selected: string | null;
  detail: Prompt | null;
  detailError: string | null;
  busy: Busy | null;
  /** What went wrong with the last thing done to the prompt, in the server's words. */
  actionError: string | null;
  /** What went right with it ("Take 3 saved"). */
  actionDone: string | null;
  session: Session | null;
  /** The library as the editor's prompt fields offer it (null: not loaded). */
  catalog: PromptSummary[] | null;
  /** A take is being recorded, or was recorded and not saved: leaving it asks first. */
  unsaved: boolean;
}

export const useStudio = create<StudioState>(() => ({
  prompts: null,
  languages: [],
  loadError: null,
  language: "",
  filter: "all",
  query: "",
  selected: null,
  detail: null,
  detailError: null,
  busy: null,
  actionError: null,
  actionDone: null,
  session: null,
  catalog: null,
  unsaved: false,
}));

const set = useStudio.setState;
const state = useStudio.getState;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const promptUrl = (id: string) => path("/api/prompts/{+id}", id);
const audioUrl = (language: string, id: string) =>
  path("/api/prompt-audio/{language}/{+id}", language, id);

/** The URL says which prompt and language are open, so a reload (or a link) opens them again. */
function remember(): void {
  const { selected, language } = state();
  const route: { page: "studio"; prompt?: string; language?: string } = { page: "studio" };
  if (selected) route.prompt = selected;
  if (language) route.language = language;
  replace(route, false);
}

// -- the library --------------------------------------------------------------------------------

let loading: AbortController | undefined;

/** Loads the library; the prompt and language asked for (a link from the editor) are opened. */
export async function loadStudio(wanted: { prompt?: string; language?: string } = {}) {
  loading?.abort();
  const mine = new AbortController();
  loading = mine;
  try {
    const list = await get<PromptList>("/api/prompts", mine.signal);
    if (loading !== mine) return;
    const language = pickLanguage(
      list.languages,
      wanted.language ?? (state().language || null),
      i18next.language,
    );
    set({ prompts: list.prompts, languages: list.languages, language, loadError: null });
    const first = wanted.prompt ?? state().selected ?? null;
    if (first) void selectPrompt(first);
  } catch (error) {
    if ((error as Error)?.name === "AbortError" || loading !== mine) return;
    set({ loadError: message(error) });
  }
}

export function markUnsaved(unsaved: boolean): void {
  if (state().unsaved !== unsaved) set({ unsaved });
}

/** Whether what the user is about to do may drop the take not saved yet: asked, when there is
 * one (a recording is the voice talent's work; it is never dropped silently). */
export function mayDropTake(): boolean {
  if (!state().unsaved) return true;
  if (!window.confirm(i18next.t("studio.recorder.dropUnsaved"))) return false;
  set({ unsaved: false });
  return true;
}

window.addEventListener("beforeunload", (event) => {
  if (state().unsaved) event.preventDefault();
});

export function leaveStudio(): void {
  loading?.abort();
  opening?.abort();
  set({ session: null, actionError: null, actionDone: null });
}

export function setLanguage(language: string): void {
  if (language !== state().language && !mayDropTake()) return;
  set({ language, actionError: null, actionDone: null });
  remember();
}

export function setFilter(filter: PromptFilter): void {
  set({ filter });
}

export function setQuery(query: string): void {
  set({ query });
}

/** A prompt as the server answered it (after a change) replaces it in the list. */
function updated(prompt: Prompt): void {
  const { prompts, selected, catalog } = state();
  const { languages } = prompt;
  const summary: PromptSummary = {
    ...prompt,
    languages: Object.fromEntries(
      Object.entries(languages).map(([lang, { takes: _takes, ...rest }]) => [lang, rest]),
    ),
  };
  const swap = (list: PromptSummary[] | null) =>
    list?.map((p) => (p.id === prompt.id ? summary : p)) ?? null;
  set({
    prompts: swap(prompts),
    catalog: swap(catalog),
    detail: selected === prompt.id ? prompt : state().detail,
  });
}

// -- the prompt open ----------------------------------------------------------------------------

let opening: AbortController | undefined;

/** Opens a prompt; what was done to the one before is forgotten, unless `keepDone` (a session
 * going on after a save still says it was saved). */
export async function selectPrompt(id: string, keepDone = false): Promise<void> {
  if (id !== state().selected && !mayDropTake()) return;
  opening?.abort();
  const mine = new AbortController();
  opening = mine;
  const same = state().detail?.id === id;
  set({
    selected: id,
    detail: same ? state().detail : null,
    detailError: null,
    actionError: null,
    actionDone: keepDone ? state().actionDone : null,
  });
  remember();
  try {
    const prompt = await get<Prompt>(promptUrl(id), mine.signal);
    if (opening !== mine) return;
    set({ detail: prompt });
  } catch (error) {
    if ((error as Error)?.name === "AbortError" || opening !== mine) return;
    set({ detailError: message(error) });
  }
}

/** Runs one change of the prompt open, with `busy` set meanwhile; its failure is kept for the
 * user to read (never lost in a notice that goes away), and what it did is said. */
async function change(busy: Busy, run: () => Promise<string>): Promise<boolean> {
  if (state().busy) return false;
  set({ busy, actionError: null, actionDone: null });
  try {
    const done = await run();
    set({ busy: null, actionDone: done });
    return true;
  } catch (error) {
    set({
      busy: null,
      actionError: error instanceof ApiError ? error.message : message(error),
    });
    return false;
  }
}

/** A take recorded in the studio or uploaded: it becomes the one callers hear. */
export function uploadTake(
  promptId: string,
  language: string,
  audio: Blob,
  name: string,
  source: Extract<TakeSource, "recorded" | "uploaded">,
): Promise<boolean> {
  return change("upload", async () => {
    const form = new FormData();
    form.append("file", audio, name);
    form.append("source", source);
    const answer = await upload<TakeAdded>(audioUrl(language, promptId), form);
    updated(answer.prompt);
    return i18next.t("studio.recorder.saved", { take: answer.take.take, id: promptId });
  });
}

export function synthesise(promptId: string, language: string): Promise<boolean> {
  return change("synthesise", async () => {
    const answer = await post<TakeAdded>(audioUrl(language, promptId), { synthesise: true });
    updated(answer.prompt);
    return i18next.t("studio.detail.synthesised", { take: answer.take.take });
  });
}

export function chooseTake(promptId: string, language: string, take: number): Promise<boolean> {
  return change("choose", async () => {
    const answer = await call<Prompt>("PUT", audioUrl(language, promptId), { body: { take } });
    updated(answer.body);
    return i18next.t("studio.takes.chosenNow", { take });
  });
}

/** Approves the take the user heard (`take`), whatever was recorded meanwhile. */
export function approve(promptId: string, language: string, take: number): Promise<boolean> {
  return change("approve", async () => {
    const answer = await call<Prompt>("PUT", audioUrl(language, promptId), {
      body: { take, approved: true },
    });
    updated(answer.body);
    return i18next.t("studio.detail.approvedNow");
  });
}

export function dismissOutcome(): void {
  set({ actionError: null, actionDone: null });
}

// -- the recording session ----------------------------------------------------------------------

/** A session over the prompts the list shows now, from the one open (or the first). */
export function startSession(): void {
  const { prompts, language, filter, query, selected } = state();
  const ids = shownPrompts(prompts ?? [], { language, filter, query }).map((p) => p.id);
  if (!ids.length) return;
  const at = selected ? ids.indexOf(selected) : -1;
  const index = Math.max(at, 0);
  set({ session: { ids, index } });
  void selectPrompt(ids[index] as string);
}

/** The next (1) or previous (-1) prompt of the session; false at either end. */
export function moveSession(delta: number): boolean {
  const session = state().session;
  if (!session) return false;
  const index = session.index + delta;
  if (index < 0 || index >= session.ids.length || !mayDropTake()) return false;
  set({ session: { ...session, index } });
  void selectPrompt(session.ids[index] as string, true);
  return true;
}

export function endSession(): void {
  if (!mayDropTake()) return;
  set({ session: null });
}

// -- the editor's prompt fields -----------------------------------------------------------------

let catalogLoading: Promise<void> | null = null;
let catalogRound = 0;

/** The library for the prompt fields' suggestions and audio status: asked for once per editor
 * session (a failure leaves the fields as they are: plain text). */
export function ensureCatalog(): void {
  if (state().catalog || catalogLoading) return;
  const round = catalogRound;
  catalogLoading = get<PromptList>("/api/prompts")
    .then((list) => {
      if (round === catalogRound) set({ catalog: list.prompts });
    })
    .catch(() => {
      if (round === catalogRound) set({ catalog: [] });
    });
}

/** The editor closed: its next session asks again (recordings may have been made meanwhile). */
export function forgetCatalog(): void {
  catalogRound += 1;
  catalogLoading = null;
  set({ catalog: null });
}
