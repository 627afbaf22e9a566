import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Take } from "../api/types";
import { readableTime } from "../flowlist";
import { seconds } from "../studio";
import { chooseTake, useStudio } from "../studioStore";

/** Every take of a prompt in a language, newest first: each playable, who made it and when, how
 * (recorded, uploaded, synthesised), whether it is stale; the one callers hear marked, and
 * "Use this take" on the others for those who may record. */
export function TakeHistory({
  promptId,
  language,
  takes,
  canRecord,
}: {
  promptId: string;
  language: string;
  takes: Take[];
  canRecord: boolean;
}) {
  const { t, i18n } = useTranslation();
  const heading = useId();
  const busy = useStudio((s) => s.busy);
  const audio = useRef<HTMLAudioElement | null>(null);
  const [playing, setPlaying] = useState<number | null>(null);

  useEffect(
    () => () => {
      audio.current?.pause();
      audio.current = null;
    },
    [],
  );

  function play(take: Take) {
    const current = audio.current;
    current?.pause();
    if (playing === take.take) {
      setPlaying(null);
      return;
    }
    const next = new Audio(take.audio_url);
    audio.current = next;
    next.onended = () => setPlaying((p) => (p === take.take ? null : p));
    next.onerror = () => setPlaying((p) => (p === take.take ? null : p));
    setPlaying(take.take);
    void next.play().catch(() => setPlaying((p) => (p === take.take ? null : p)));
  }

  return (
    <section className="takes" aria-labelledby={heading}>
      <h3 id={heading}>
        {t("studio.takes.heading")} <span className="takes-count">{takes.length}</span>
      </h3>
      {takes.length === 0 ? (
        <p className="muted">{t("studio.takes.none")}</p>
      ) : (
        <ol className="take-list" aria-labelledby={heading}>
          {takes.map((take) => {
            const name = t("studio.takes.take", { take: take.take });
            return (
              <li key={take.take} className={`take${take.chosen ? " chosen" : ""}`}>
                <button
                  type="button"
                  className="play-button small-play"
                  aria-label={
                    playing === take.take
                      ? t("studio.takes.stop", { take: take.take })
                      : t("studio.takes.play", { take: take.take })
                  }
                  aria-pressed={playing === take.take}
                  onClick={() => play(take)}
                >
                  <span aria-hidden="true">{playing === take.take ? "■" : "▶"}</span>
                </button>
                <div className="take-body">
                  <div className="take-title">
                    <strong>{name}</strong>
                    <span className={`chip chip-source chip-${take.source}`}>
                      {t(`studio.sources.${take.source}`)}
                    </span>
                    {take.stale && (
                      <span className="chip chip-stale" title={t("studio.chipHelp.stale")}>
                        {t("studio.chips.stale")}
                      </span>
                    )}
                    {take.chosen && (
                      <span className="chip chip-chosen">{t("studio.takes.chosen")}</span>
                    )}
                  </div>
                  <div className="take-meta small muted">
                    {seconds(take.duration_ms)} · {t("studio.takes.by", { who: take.by })}{" "}
                    <time dateTime={take.at} title={take.at}>
                      {readableTime(take.at, i18n.language)}
                    </time>
                    {take.original && <> · {t("studio.takes.original", { name: take.original })}</>}
                  </div>
                  {take.stale && (
                    <div className="take-text small">
                      {t("studio.takes.madeFrom")} <q lang={language}>{take.text}</q>
                    </div>
                  )}
                </div>
                {canRecord && !take.chosen && (
                  <button
                    type="button"
                    className="take-use"
                    disabled={busy !== null}
                    onClick={() => void chooseTake(promptId, language, take.take)}
                  >
                    {t("studio.takes.use")}
                    <span className="visually-hidden"> ({name})</span>
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
