import { type KeyboardEvent, useId } from "react";
import { useTranslation } from "react-i18next";
import { FILTERS, matchesFilter, progressOf, shownPrompts } from "../studio";
import {
  selectPrompt,
  setFilter,
  setLanguage,
  setQuery,
  startSession,
  useStudio,
} from "../studioStore";
import { StatusChips } from "./StatusChips";

/** Every prompt with its status in the language picked; a search over ids and texts, filters
 * by status, how far the language is, and the start of a recording session over what is shown.
 * ↑ and ↓ move between the prompts. */
export function PromptList({ canRecord }: { canRecord: boolean }) {
  const { t } = useTranslation();
  const ids = useId();
  const prompts = useStudio((s) => s.prompts);
  const languages = useStudio((s) => s.languages);
  const language = useStudio((s) => s.language);
  const filter = useStudio((s) => s.filter);
  const query = useStudio((s) => s.query);
  const selected = useStudio((s) => s.selected);
  const all = prompts ?? [];
  const shown = shownPrompts(all, { language, filter, query });
  const progress = progressOf(all, language);
  const counts = Object.fromEntries(
    FILTERS.map((f) => [
      f,
      all.filter((p) => p.languages[language] && matchesFilter(p.languages[language], f)).length,
    ]),
  );

  function onListKey(event: KeyboardEvent<HTMLUListElement>) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>("button")];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[at + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  }

  return (
    <aside className="prompt-list" aria-labelledby={`${ids}-title`}>
      <div className="prompt-list-head">
        <h2 id={`${ids}-title`}>{t("studio.list.title")}</h2>
        <div className="inline-field">
          <label htmlFor={`${ids}-language`}>{t("studio.list.language")}</label>
          <select
            id={`${ids}-language`}
            value={language}
            onChange={(e) => setLanguage(e.target.value)}
          >
            {languages.map((lang) => (
              <option key={lang} value={lang}>
                {lang}
              </option>
            ))}
          </select>
        </div>
      </div>

      <div className="studio-progress">
        <p className="progress-line">
          {t("studio.list.progress", {
            recorded: progress.recorded,
            total: progress.total,
            language,
          })}
        </p>
        <div className="progress-track" aria-hidden="true">
          <span
            className="progress-recorded"
            style={{ width: `${progress.total ? (progress.recorded / progress.total) * 100 : 0}%` }}
          />
          <span
            className="progress-synthesised"
            style={{
              width: `${progress.total ? (progress.synthesised / progress.total) * 100 : 0}%`,
            }}
          />
        </div>
        <p className="progress-detail small muted">
          {t("studio.list.progressDetail", {
            approved: progress.approved,
            synthesised: progress.synthesised,
            missing: progress.missing,
          })}
        </p>
      </div>

      <input
        type="search"
        className="prompt-search"
        aria-label={t("studio.list.search")}
        placeholder={t("studio.list.searchHint")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />

      <fieldset className="segmented">
        <legend className="visually-hidden">{t("studio.list.filter")}</legend>
        {FILTERS.map((f) => (
          <label
            key={f}
            className={`segment${filter === f ? " on" : ""}${
              (f === "missing" || f === "stale") && counts[f] ? " alert" : ""
            }`}
          >
            <input
              type="radio"
              name={`${ids}-filter`}
              value={f}
              checked={filter === f}
              onChange={() => setFilter(f)}
              className="visually-hidden"
            />
            <span>{t(`studio.list.filters.${f}`)}</span>
            <span className="segment-count">{counts[f]}</span>
          </label>
        ))}
      </fieldset>

      {canRecord && (
        <button
          type="button"
          className="primary session-button"
          disabled={shown.length === 0}
          onClick={startSession}
        >
          {t("studio.list.startSession")}
          <span className="session-count">
            {t("studio.list.sessionCount", { count: shown.length })}
          </span>
        </button>
      )}

      {prompts !== null && all.length === 0 && <p className="muted">{t("studio.list.none")}</p>}
      {all.length > 0 && shown.length === 0 && <p className="muted">{t("studio.list.noMatch")}</p>}
      <ul className="prompt-items" aria-label={t("studio.list.title")} onKeyDown={onListKey}>
        {shown.map((prompt) => {
          const state = prompt.languages[language];
          return (
            <li key={prompt.id}>
              <button
                type="button"
                className="prompt-item"
                aria-current={selected === prompt.id ? "true" : undefined}
                onClick={() => void selectPrompt(prompt.id)}
              >
                <span className="prompt-item-top">
                  <code className="prompt-id">{prompt.id}</code>
                  <StatusChips state={state} />
                </span>
                <span className="prompt-item-text" lang={language}>
                  {state?.text || "—"}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
