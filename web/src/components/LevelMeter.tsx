import { useTranslation } from "react-i18next";

export const FLOOR_DB = -60;
/** Where the meter turns amber (a good take peaks around here) and red (too close to clipping). */
const HOT_DB = -12;
const CLIP_DB = -1;

/** The microphone's level while recording: a bar from -60 to 0 dBFS, green, amber near the
 * top, red and a warning when the take clips. A meter for screen readers, with its value in dB. */
export function LevelMeter({ db, clipped }: { db: number; clipped: boolean }) {
  const { t } = useTranslation();
  const value = Math.round(Math.max(FLOOR_DB, Math.min(0, db)));
  const fill = ((value - FLOOR_DB) / -FLOOR_DB) * 100;
  const zone = db >= CLIP_DB ? "clip" : db >= HOT_DB ? "hot" : "ok";
  return (
    <div className="level">
      {/* biome-ignore lint/a11y/useSemanticElements: a bar drawn by CSS (three zones and a mark), which <meter> does not allow */}
      <div
        role="meter"
        aria-label={t("studio.recorder.level")}
        aria-valuemin={FLOOR_DB}
        aria-valuemax={0}
        aria-valuenow={value}
        aria-valuetext={t("studio.recorder.levelValue", { db: value })}
        className={`level-meter level-${zone}`}
      >
        <span className="level-fill" style={{ width: `${fill}%` }} />
        <span
          className="level-mark"
          style={{ left: `${((HOT_DB - FLOOR_DB) / -FLOOR_DB) * 100}%` }}
        />
      </div>
      <span className="level-value" aria-hidden="true">
        {t("studio.recorder.levelValue", { db: value })}
      </span>
      {clipped && (
        <span className="level-warning" role="status">
          {t("studio.recorder.clipping")}
        </span>
      )}
    </div>
  );
}
