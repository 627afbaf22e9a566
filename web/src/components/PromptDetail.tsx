import { useId } from "react";
import { useTranslation } from "react-i18next";
import { readableTime } from "../flowlist";
import { follow, href } from "../route";
import { seconds } from "../studio";
import { approve, selectPrompt, synthesise, useStudio } from "../studioStore";
import { ActionOutcome } from "./ActionOutcome";
import { Recorder } from "./Recorder";
import { StatusChips } from "./StatusChips";
import { TakeHistory } from "./TakeHistory";
import { Waveform } from "./Waveform";

/** The prompt open, in the language picked: its script large (what the voice talent reads), its
 * note, the flows that use it, the take callers hear on a waveform, approving it, the recorder,
 * and every take. Those who may not record listen only. */
export function PromptDetail({ canRecord, canRead }: { canRecord: boolean; canRead: boolean }) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const selected = useStudio((s) => s.selected);
  const detail = useStudio((s) => s.detail);
  const detailError = useStudio((s) => s.detailError);
  const language = useStudio((s) => s.language);
  const busy = useStudio((s) => s.busy);

  if (!selected) {
    return (
      <main className="prompt-detail empty" aria-label={t("studio.detail.label")}>
        <p className="muted">{t("studio.detail.pick")}</p>
        {!canRecord && <p className="readonly-note listen-only">{t("studio.readOnly")}</p>}
      </main>
    );
  }
  if (!detail || detail.id !== selected) {
    return (
      <main className="prompt-detail" aria-label={t("studio.detail.label")}>
        {detailError ? (
          <div className="trouble" role="alert">
            <p className="error-text">{t("studio.detail.failed", { reason: detailError })}</p>
            <button type="button" onClick={() => void selectPrompt(selected)}>
              {t("studio.retry")}
            </button>
          </div>
        ) : (
          <p className="loading">{t("studio.detail.loading")}</p>
        )}
      </main>
    );
  }

  const state = detail.languages[language];
  const takes = state?.takes ?? [];
  const chosen = takes.find((take) => take.chosen);

  return (
    <main className="prompt-detail" aria-labelledby={`${ids}-title`}>
      <header className="detail-head">
        <h2 id={`${ids}-title`} className="detail-id">
          <span className="visually-hidden">{t("studio.detail.prompt")} </span>
          <code>{detail.id}</code>
        </h2>
        <span className="lang-tag">{language}</span>
        <StatusChips state={state} />
      </header>

      {!state ? (
        <p className="muted">{t("studio.detail.notInLanguage", { language })}</p>
      ) : (
        <>
          <section className="script-card" aria-labelledby={`${ids}-script`}>
            <h3 id={`${ids}-script`} className="eyebrow">
              {t("studio.detail.script")}
            </h3>
            {state.text ? (
              <p className="script-text" lang={language}>
                {state.text}
              </p>
            ) : (
              <p className="muted">{t("studio.detail.noText")}</p>
            )}
            {detail.note && (
              <p className="script-note">
                <span className="eyebrow">{t("studio.detail.note")}</span> {detail.note}
              </p>
            )}
            <div className="used-by small">
              <span className="muted">{t("studio.detail.usedBy")}</span>{" "}
              {detail.used_by.length === 0 ? (
                <span className="muted">{t("studio.detail.usedByNone")}</span>
              ) : (
                detail.used_by.map((use, i) => (
                  <span key={`${use.flow}/${use.pointer}`}>
                    {i > 0 && ", "}
                    {canRead ? (
                      <a
                        href={href({ page: "editor", flow: use.flow })}
                        onClick={(e) => follow(e, { page: "editor", flow: use.flow })}
                      >
                        {use.flow}
                      </a>
                    ) : (
                      <span>{use.flow}</span>
                    )}{" "}
                    <span className="muted">({t("studio.detail.step", { step: use.node })})</span>
                  </span>
                ))
              )}
            </div>
          </section>

          <section className="hear-card" aria-labelledby={`${ids}-hear`}>
            <div className="card-head">
              <h3 id={`${ids}-hear`}>{t("studio.detail.callersHear")}</h3>
              {chosen && (
                <span className="muted small">
                  {t("studio.takes.take", { take: chosen.take })} ·{" "}
                  {t(`studio.sources.${chosen.source}`)} · {seconds(chosen.duration_ms)}
                </span>
              )}
              <span className="spacer" />
              {canRecord && chosen && state.status === "draft" && (
                <button
                  type="button"
                  className="approve-button"
                  onClick={() => void approve(detail.id, language, chosen.take)}
                  disabled={busy !== null}
                >
                  {busy === "approve" && <span className="spinner" aria-hidden="true" />}
                  {t("studio.detail.approve")}
                </button>
              )}
            </div>
            {state.take !== null && state.audio_url ? (
              <Waveform
                key={state.audio_url}
                source={state.audio_url}
                label={t("studio.detail.heardWaveform", { take: state.take })}
              />
            ) : (
              <div className="no-audio">
                <p>{t("studio.detail.noAudio")}</p>
                {canRecord && (
                  <button
                    type="button"
                    onClick={() => void synthesise(detail.id, language)}
                    disabled={busy !== null || !state.text}
                  >
                    {busy === "synthesise" && <span className="spinner" aria-hidden="true" />}
                    {busy === "synthesise"
                      ? t("studio.detail.synthesising")
                      : t("studio.detail.synthesise")}
                  </button>
                )}
              </div>
            )}
            {state.status === "approved" && state.approved_by && (
              <p className="approved-line small">
                {t("studio.detail.approvedBy", { who: state.approved_by })}{" "}
                {state.approved_at && (
                  <time dateTime={state.approved_at}>
                    {readableTime(state.approved_at, i18n.language)}
                  </time>
                )}
              </p>
            )}
            {state.stale && <p className="stale-note">{t("studio.detail.staleNote")}</p>}
            {state.source === "synthesised" && state.take !== null && (
              <p className="muted small">{t("studio.detail.standIn")}</p>
            )}
          </section>

          <ActionOutcome />

          {canRecord ? (
            <Recorder key={`${detail.id} ${language}`} promptId={detail.id} language={language} />
          ) : (
            <p className="readonly-note listen-only">{t("studio.readOnly")}</p>
          )}

          <TakeHistory
            promptId={detail.id}
            language={language}
            takes={takes}
            canRecord={canRecord}
          />
        </>
      )}
    </main>
  );
}
