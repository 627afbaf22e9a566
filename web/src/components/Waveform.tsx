import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import WaveSurfer from "wavesurfer.js";
import RegionsPlugin, { type Region } from "wavesurfer.js/dist/plugins/regions.esm.js";
import { seconds } from "../studio";

export interface Trim {
  start: number;
  end: number;
}

/** The designer's colours (styles.css), for the canvas wavesurfer draws on. */
const WAVE = "#9aa6bb";
const PLAYED = "#2f6fed";
const CURSOR = "#1d2433";
const KEPT = "rgba(47, 111, 237, 0.14)";
/** The shortest take the trim handles keep (s). */
const SHORTEST = 0.1;

/** A take's waveform with a play/pause button and where the playback is; with `onTrim`, two
 * handles on the waveform (and two sliders, for the keyboard) mark the part to keep. */
export function Waveform({
  source,
  label,
  onTrim,
  height = 96,
}: {
  /** The audio's URL, or a recording not yet saved. */
  source: string | Blob;
  label: string;
  onTrim?: (trim: Trim) => void;
  height?: number;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const box = useRef<HTMLDivElement>(null);
  const surfer = useRef<WaveSurfer | null>(null);
  const region = useRef<Region | null>(null);
  const trimmed = useRef(onTrim);
  trimmed.current = onTrim;
  const [ready, setReady] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [duration, setDuration] = useState(0);
  const [at, setAt] = useState(0);
  const [trim, setTrim] = useState<Trim | null>(null);
  const [error, setError] = useState<string | null>(null);
  const trimming = onTrim !== undefined;

  useEffect(() => {
    const container = box.current;
    if (!container) return;
    setReady(false);
    setPlaying(false);
    setError(null);
    setAt(0);
    const regions = trimming ? RegionsPlugin.create() : null;
    const ws = WaveSurfer.create({
      container,
      height,
      waveColor: WAVE,
      progressColor: PLAYED,
      cursorColor: CURSOR,
      cursorWidth: 1,
      barWidth: 2,
      barGap: 1,
      barRadius: 2,
      normalize: true,
      dragToSeek: true,
      plugins: regions ? [regions] : [],
    });
    surfer.current = ws;
    const share = (next: Trim) => {
      setTrim(next);
      trimmed.current?.(next);
    };
    ws.on("ready", (length) => {
      setDuration(length);
      setReady(true);
      if (regions) {
        const kept = regions.addRegion({
          start: 0,
          end: length,
          color: KEPT,
          drag: false,
          resize: true,
          minLength: Math.min(SHORTEST, length),
        });
        region.current = kept;
        kept.on("update-end", () => share({ start: kept.start, end: kept.end }));
        kept.on("update", () => setTrim({ start: kept.start, end: kept.end }));
        share({ start: 0, end: length });
      }
    });
    ws.on("play", () => setPlaying(true));
    ws.on("pause", () => setPlaying(false));
    ws.on("finish", () => setPlaying(false));
    ws.on("timeupdate", (time) => setAt(time));
    ws.on("error", (problem) => setError(problem.message || String(problem)));
    const loaded = typeof source === "string" ? ws.load(source) : ws.loadBlob(source);
    loaded.catch(() => undefined); // said by the "error" event; a newer load is no failure
    return () => {
      region.current = null;
      surfer.current = null;
      ws.destroy();
    };
  }, [source, trimming, height]);

  function toggle() {
    const ws = surfer.current;
    if (!ws) return;
    // With handles, listening plays the part that is kept.
    const kept = region.current;
    if (kept && !ws.isPlaying()) {
      const now = ws.getCurrentTime();
      const from = now >= kept.start && now < kept.end - 0.05 ? now : kept.start;
      void ws.play(from, kept.end).catch(() => undefined);
      return;
    }
    void ws.playPause().catch(() => undefined);
  }

  function move(side: keyof Trim, value: number) {
    const kept = region.current;
    if (!kept || !trim) return;
    const next =
      side === "start"
        ? { start: Math.min(value, trim.end - SHORTEST), end: trim.end }
        : { start: trim.start, end: Math.max(value, trim.start + SHORTEST) };
    const clamped = { start: Math.max(0, next.start), end: Math.min(duration, next.end) };
    kept.setOptions(clamped);
    setTrim(clamped);
    trimmed.current?.(clamped);
  }

  const step = duration > 10 ? 0.1 : 0.01;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a player's controls, not a form's fieldset
    <div
      className="waveform"
      role="group"
      aria-label={label}
      data-state={error ? "error" : ready ? "ready" : "loading"}
    >
      <div className="waveform-row">
        <button
          type="button"
          className="play-button"
          onClick={toggle}
          disabled={!ready}
          aria-label={playing ? t("studio.player.pause") : t("studio.player.play")}
          title={playing ? t("studio.player.pause") : t("studio.player.play")}
        >
          <span aria-hidden="true">{playing ? "❚❚" : "▶"}</span>
        </button>
        <div className="waveform-canvas" ref={box} style={{ height }}>
          {!ready && !error && (
            <span className="waveform-loading muted small">{t("studio.player.loading")}</span>
          )}
        </div>
        <span className="waveform-time small" aria-live="off">
          {seconds(at * 1000)} / {seconds(duration * 1000)}
        </span>
      </div>
      {error && (
        <p className="error-text small" role="alert">
          {t("studio.player.failed", { reason: error })}
        </p>
      )}
      {trimming && ready && trim && (
        <div className="trim">
          <label htmlFor={`${ids}-start`} className="trim-field">
            <span>{t("studio.player.trimStart")}</span>
            <input
              id={`${ids}-start`}
              type="range"
              min={0}
              max={duration}
              step={step}
              value={trim.start}
              aria-valuetext={seconds(trim.start * 1000)}
              onChange={(e) => move("start", Number(e.target.value))}
            />
            <output className="small">{seconds(trim.start * 1000)}</output>
          </label>
          <label htmlFor={`${ids}-end`} className="trim-field">
            <span>{t("studio.player.trimEnd")}</span>
            <input
              id={`${ids}-end`}
              type="range"
              min={0}
              max={duration}
              step={step}
              value={trim.end}
              aria-valuetext={seconds(trim.end * 1000)}
              onChange={(e) => move("end", Number(e.target.value))}
            />
            <output className="small">{seconds(trim.end * 1000)}</output>
          </label>
          <span className="trim-kept small muted">
            {t("studio.player.kept", { length: seconds((trim.end - trim.start) * 1000) })}
          </span>
        </div>
      )}
    </div>
  );
}
