import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { post } from "../api/client";
import type { Diagnostic } from "../api/types";
import type { FlowDoc } from "../flow/types";
import { offsetOf, problemsOf, type TextProblem } from "../flowtext";
import { placedDoc, replaceDraft, useStore } from "../store";

/** How long the text waits for the drawing to be still before it is written again. */
const QUIET_MS = 300;

/** The draft as the text of a .flow file (DSL), beside the canvas: written again whenever the
 * draft changes and the text is not being edited; an edited text applied to the canvas as one
 * undoable change, or its errors shown where they are. The server reads and writes the DSL. */
export function TextView() {
  const { t } = useTranslation();
  const doc = useStore((s) => s.doc);
  const flowId = useStore((s) => s.flowId);
  const visible = useStore((s) => s.drawer === "text");
  const viewing = useStore((s) => s.viewing !== null);
  const writable = useStore(
    (s) => (s.me?.permissions as string[] | undefined)?.includes("write") ?? false,
  );
  const [text, setText] = useState("");
  const [edited, setEdited] = useState(false);
  // The draft the text was written from (a draft changed since is written again).
  const [base, setBase] = useState<FlowDoc | null>(null);
  const [unwritten, setUnwritten] = useState<string | null>(null);
  const [problems, setProblems] = useState<TextProblem[]>([]);
  const [applying, setApplying] = useState(false);
  // What the last apply did, until the text is edited again.
  const [outcome, setOutcome] = useState<string | null>(null);
  const pristine = useRef("");
  const area = useRef<HTMLTextAreaElement>(null);
  const ids = useId();

  // The text of the draft, once the drawing has been still a moment; a newer draft cancels the
  // request for an older one. Only while the text is shown and not being edited.
  useEffect(() => {
    if (!doc || !visible || edited || doc === base) return;
    const running = new AbortController();
    const timer = setTimeout(() => {
      post<{ text: string }>(
        "/api/convert",
        { document: placedDoc(doc), to: "flow" },
        running.signal,
      )
        .then((answer) => {
          pristine.current = answer.text;
          setText(answer.text);
          setBase(doc);
          setUnwritten(null);
        })
        .catch((error: unknown) => {
          if ((error as Error)?.name === "AbortError") return;
          setUnwritten(problemsOf(error)[0]?.message ?? String(error));
        });
    }, QUIET_MS);
    return () => {
      clearTimeout(timer);
      running.abort();
    };
  }, [doc, visible, edited, base]);

  // Another flow: its text is written afresh.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the flow changes
  useEffect(() => {
    return () => {
      setEdited(false);
      setBase(null);
      setProblems([]);
      setUnwritten(null);
      setOutcome(null);
      setText("");
      pristine.current = "";
    };
  }, [flowId]);

  function edit(value: string) {
    setText(value);
    setEdited(true);
    setOutcome(null);
    if (problems.length) setProblems([]);
  }

  function discard() {
    setText(pristine.current);
    setEdited(false);
    setProblems([]);
  }

  /** The cursor put where a problem is, in the text. */
  function goTo(problem: TextProblem) {
    const box = area.current;
    if (problem.line === null || !box) return;
    const at = offsetOf(box.value, problem.line, problem.column ?? 1);
    box.focus();
    box.setSelectionRange(at, at);
  }

  function showAt(found: TextProblem[]) {
    setProblems(found);
    const first = found.find((p) => p.line !== null);
    if (first) goTo(first);
  }

  async function apply() {
    if (!flowId || !edited) return;
    setApplying(true);
    setProblems([]);
    try {
      const answer = await post<{ ok: true; document: FlowDoc; diagnostics: Diagnostic[] }>(
        "/api/convert",
        {
          text,
          format: "flow",
          path: `${flowId}.flow`,
        },
      );
      const document = answer.document;
      if (document.flow !== flowId) {
        showAt([{ message: t("textView.otherFlow", { flow: flowId }), line: 1, column: 1 }]);
        return;
      }
      const current = useStore.getState().doc;
      const same =
        current !== null && JSON.stringify(placedDoc(current)) === JSON.stringify(document);
      if (!same) replaceDraft(document);
      setEdited(false);
      // Written again from the draft it became, in the form the server writes.
      setBase(null);
      setOutcome(same ? t("textView.unchanged") : t("textView.applied"));
    } catch (error) {
      showAt(problemsOf(error));
    } finally {
      setApplying(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void apply();
    } else if (event.key === "Escape" && edited) {
      event.preventDefault();
      discard();
    }
  }

  const stale = edited && base !== null && doc !== base;
  const canApply = writable && !viewing;
  return (
    <div className="text-view">
      <label htmlFor={`${ids}-text`} className="text-view-label">
        {t("textView.label")}
      </label>
      <textarea
        id={`${ids}-text`}
        ref={area}
        className="mono text-view-text"
        value={text}
        onChange={(e) => edit(e.target.value)}
        onKeyDown={onKeyDown}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoCorrect="off"
        wrap="off"
        readOnly={!writable}
        aria-invalid={problems.length > 0}
        aria-describedby={`${ids}-help ${ids}-problems`}
      />
      <p id={`${ids}-help`} className="muted small">
        {!writable ? t("textView.readOnly") : edited ? t("textView.editing") : t("textView.help")}
      </p>
      {unwritten && !edited && (
        <p className="error-text" role="alert">
          {t("textView.cannotWrite", { message: unwritten })}
        </p>
      )}
      <p className="muted small" role="status">
        {outcome}
      </p>
      {stale && (
        <p className="text-view-stale" role="status">
          {t("textView.stale")}
        </p>
      )}
      <ul id={`${ids}-problems`} className="text-view-problems" aria-live="assertive">
        {problems.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the problems of one answer, in order
          <li key={i} className="error-text">
            {p.line !== null ? (
              <button type="button" className="link" onClick={() => goTo(p)}>
                {t("textView.at", { line: p.line, column: p.column ?? 1 })}
              </button>
            ) : null}
            {p.line !== null ? ": " : ""}
            {p.message}
          </li>
        ))}
      </ul>
      {edited && (
        <div className="toolbar">
          {canApply && (
            <button
              type="button"
              className="primary"
              disabled={applying}
              onClick={() => void apply()}
            >
              {t("textView.apply")}
            </button>
          )}
          <button type="button" disabled={applying} onClick={discard}>
            {t("textView.discard")}
          </button>
          {viewing && <span className="muted small">{t("textView.viewingNote")}</span>}
        </div>
      )}
    </div>
  );
}
