import { type KeyboardEvent, type MouseEvent, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { isTyping } from "../studio";
import { endSession, moveSession, useStudio } from "../studioStore";
import { ActionOutcome } from "./ActionOutcome";
import { Recorder, type RecorderHandle } from "./Recorder";
import { StatusChips } from "./StatusChips";

function isControl(target: EventTarget | null): boolean {
  const tag = (target as HTMLElement | null)?.tagName;
  return tag === "BUTTON" || tag === "A" || tag === "SUMMARY";
}

/** A recording session: the prompts of the list one after the other, the script big and nothing
 * else in the way. Space or R records and stops, Enter saves and goes on, ← → (or P, N) move,
 * Escape leaves. The keys are the page's, not a field's; on a focused button Space and Enter
 * press the button, as everywhere. */
export function ScriptMode() {
  const { t } = useTranslation();
  const ids = useId();
  const session = useStudio((s) => s.session);
  const prompts = useStudio((s) => s.prompts);
  const language = useStudio((s) => s.language);
  const busy = useStudio((s) => s.busy);
  const dialog = useRef<HTMLDialogElement>(null);
  const stage = useRef<HTMLElement>(null);
  const recorder = useRef<RecorderHandle>(null);
  const [finished, setFinished] = useState(false);

  useEffect(() => {
    const shown = dialog.current;
    if (shown && !shown.open) shown.showModal();
    stage.current?.focus();
    return () => shown?.close();
  }, []);

  if (!session) return null;
  const id = session.ids[session.index] as string;
  const prompt = prompts?.find((p) => p.id === id);
  const state = prompt?.languages[language];
  const count = session.ids.length;
  const at = session.index + 1;

  function move(delta: number) {
    setFinished(false);
    if (!moveSession(delta) && delta > 0) setFinished(true);
    stage.current?.focus();
  }

  async function saveAndNext() {
    const outcome = await recorder.current?.save();
    if (outcome === "failed") return;
    move(1);
  }

  function onKey(event: KeyboardEvent<HTMLDialogElement>) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    const target = event.target as HTMLElement;
    const slider = target.tagName === "INPUT" && (target as HTMLInputElement).type === "range";
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if ((key === " " || key === "Enter") && isControl(target)) return; // the button's own
    if (key === " " || key === "r") {
      event.preventDefault();
      recorder.current?.toggle();
    } else if (key === "Enter") {
      event.preventDefault();
      if (!busy) void saveAndNext();
    } else if ((key === "ArrowRight" && !slider) || key === "n") {
      event.preventDefault();
      move(1);
    } else if ((key === "ArrowLeft" && !slider) || key === "p") {
      event.preventDefault();
      move(-1);
    }
  }

  /** A button clicked with the mouse gives the keys back to the session (a keyboard press keeps
   * the focus where the user put it). */
  function onClick(event: MouseEvent<HTMLDialogElement>) {
    if (event.detail > 0 && isControl(event.target as HTMLElement)) {
      requestAnimationFrame(() => {
        if (dialog.current?.contains(document.activeElement) || !document.activeElement)
          stage.current?.focus();
      });
    }
  }

  return (
    <dialog
      ref={dialog}
      className="script-mode"
      aria-labelledby={`${ids}-title`}
      onKeyDown={onKey}
      onClick={onClick}
      onCancel={(e) => {
        e.preventDefault();
        endSession();
      }}
    >
      <header className="script-head">
        <h2 id={`${ids}-title`}>{t("studio.session.title")}</h2>
        <div className="script-progress">
          <progress
            value={at}
            max={count}
            aria-label={t("studio.session.progressLabel")}
            aria-valuetext={t("studio.session.progress", { at, count })}
          />
          <span className="script-count">{t("studio.session.progress", { at, count })}</span>
        </div>
        <span className="spacer" />
        <button type="button" onClick={endSession}>
          {t("studio.session.leave")}
        </button>
      </header>

      <section
        className="script-stage"
        ref={stage}
        tabIndex={-1}
        aria-label={t("studio.session.stage", { id })}
      >
        <p className="script-meta">
          <code>{id}</code>
          <span className="lang-tag">{language}</span>
          <StatusChips state={state} />
        </p>
        <p className="script-big" lang={language}>
          {state?.text || t("studio.detail.noText")}
        </p>
        {prompt?.note && <p className="script-note">{prompt.note}</p>}
      </section>

      <div className="script-controls">
        <button
          type="button"
          className="script-nav"
          onClick={() => move(-1)}
          disabled={session.index === 0}
        >
          ← {t("studio.session.previous")}
        </button>
        <Recorder
          key={`${id} ${language}`}
          ref={recorder}
          promptId={id}
          language={language}
          compact
        />
        <button
          type="button"
          className="script-nav"
          onClick={() => move(1)}
          disabled={session.index >= count - 1}
        >
          {t("studio.session.next")} →
        </button>
      </div>

      <div className="script-foot">
        <ActionOutcome />
        {finished && (
          <p className="script-finished" role="status">
            {t("studio.session.finished")}
          </p>
        )}
        <p className="script-keys small">{t("studio.session.keys")}</p>
      </div>
    </dialog>
  );
}
