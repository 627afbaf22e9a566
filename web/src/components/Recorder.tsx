import {
  type ChangeEvent,
  type Ref,
  useCallback,
  useEffect,
  useId,
  useImperativeHandle,
  useRef,
  useState,
} from "react";
import { useTranslation } from "react-i18next";
import { recordingName, seconds } from "../studio";
import { markUnsaved, uploadTake, useStudio } from "../studioStore";
import { FileButton } from "./FileButton";
import { LevelMeter } from "./LevelMeter";
import { trimmedTake, useRecording } from "./useRecording";
import { type Trim, Waveform } from "./Waveform";

/** What a recording session asks of the recorder from the keyboard. */
export interface RecorderHandle {
  /** Starts recording, or stops it. */
  toggle(): void;
  /** Saves the take (stopping first while recording): whether it was saved, there was nothing
   * to save, or it failed (its reason is shown). */
  save(): Promise<"saved" | "nothing" | "failed">;
}

/** Recording a take of a prompt in a language: Record with a live level meter, Stop, listen back
 * on the waveform, trim with its two handles, then Save (uploaded as `recorded`), Discard or
 * Record again. Or a file uploaded as it is (`uploaded`). */
export function Recorder({
  promptId,
  language,
  compact = false,
  ref,
}: {
  promptId: string;
  language: string;
  /** In a recording session: no upload, a smaller waveform. */
  compact?: boolean;
  ref?: Ref<RecorderHandle>;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const busy = useStudio((s) => s.busy);
  const rec = useRecording();
  const trim = useRef<Trim | null>(null);
  const [cutting, setCutting] = useState(false);
  const saving = busy === "upload" || cutting;
  const locked = busy !== null || cutting;
  const { phase, take, start, stop, discard, setProblem } = rec;

  useEffect(() => {
    markUnsaved(phase !== "idle");
  }, [phase]);
  useEffect(() => () => markUnsaved(false), []);

  const onTrim = useCallback((next: Trim) => {
    trim.current = next;
  }, []);

  const save = useCallback(async (): Promise<"saved" | "nothing" | "failed"> => {
    if (useStudio.getState().busy) return "failed";
    const recorded = phase === "recording" || phase === "starting" ? await stop() : take;
    if (!recorded) return "nothing";
    setCutting(true);
    setProblem(null);
    let wav: Blob;
    try {
      const kept = trim.current;
      wav = await trimmedTake(recorded, kept?.start ?? 0, kept?.end ?? null);
    } catch (error) {
      setProblem(t("studio.recorder.cannotCut", { reason: (error as Error).message }));
      return "failed";
    } finally {
      setCutting(false);
    }
    const saved = await uploadTake(
      promptId,
      language,
      wav,
      recordingName(promptId, language),
      "recorded",
    );
    if (!saved) return "failed";
    trim.current = null;
    discard();
    markUnsaved(false); // now, not after the next render: a session goes on at once
    return "saved";
  }, [phase, take, stop, discard, setProblem, promptId, language, t]);

  const toggle = useCallback(() => {
    if (locked) return;
    if (phase === "recording") void stop();
    else if (phase === "idle" || phase === "recorded") {
      trim.current = null;
      void start();
    }
  }, [locked, phase, start, stop]);

  useImperativeHandle(ref, () => ({ toggle, save }), [toggle, save]);

  async function uploadFile(event: ChangeEvent<HTMLInputElement>) {
    const input = event.currentTarget;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    await uploadTake(promptId, language, file, file.name, "uploaded");
  }

  return (
    <section
      className={`recorder${compact ? " compact" : ""} phase-${phase}`}
      aria-labelledby={`${ids}-heading`}
      aria-busy={saving}
    >
      <h3 id={`${ids}-heading`} className={compact ? "visually-hidden" : undefined}>
        {t("studio.recorder.heading")}
      </h3>

      {phase === "recording" || phase === "starting" ? (
        <div className="recorder-live">
          <button
            type="button"
            className="record-button recording"
            onClick={() => void stop()}
            disabled={phase === "starting"}
          >
            <span className="record-dot" aria-hidden="true" />
            {t("studio.recorder.stop")}
          </button>
          <LevelMeter db={rec.level} clipped={rec.clipped} />
          {/* Said once to a screen reader ("Recording"), not at every tick of the clock. */}
          <span className="recorder-elapsed">
            <span role="status">
              {phase === "starting" ? t("studio.recorder.opening") : t("studio.recorder.recording")}
            </span>
            {phase === "recording" && (
              <span className="recorder-clock" aria-hidden="true">
                {" "}
                · {seconds(rec.elapsed)}
              </span>
            )}
          </span>
        </div>
      ) : phase === "recorded" && take ? (
        <div className="recorder-review">
          <Waveform
            source={take}
            label={t("studio.recorder.newTake")}
            onTrim={onTrim}
            height={compact ? 72 : 88}
          />
          <p className="muted small trim-help">{t("studio.player.trimHelp")}</p>
          <div className="toolbar">
            <button type="button" className="primary" onClick={() => void save()} disabled={locked}>
              {saving && <span className="spinner" aria-hidden="true" />}
              {saving ? t("studio.recorder.saving") : t("studio.recorder.save")}
            </button>
            <button type="button" onClick={discard} disabled={locked}>
              {t("studio.recorder.discard")}
            </button>
            <button type="button" onClick={toggle} disabled={locked}>
              {t("studio.recorder.recordAgain")}
            </button>
          </div>
        </div>
      ) : (
        <div className="toolbar recorder-start">
          <button type="button" className="record-button" onClick={toggle} disabled={locked}>
            <span className="record-dot" aria-hidden="true" />
            {t("studio.recorder.record")}
          </button>
          {!compact && (
            <>
              <span className="muted small">{t("studio.recorder.or")}</span>
              <FileButton
                label={t("studio.recorder.upload")}
                accept="audio/*"
                disabled={locked}
                describedBy={`${ids}-formats`}
                onChange={(e) => void uploadFile(e)}
              >
                {busy === "upload" && <span className="spinner" aria-hidden="true" />}
                {busy === "upload" ? t("studio.recorder.uploading") : t("studio.recorder.upload")}
              </FileButton>
              <span id={`${ids}-formats`} className="muted small">
                {t("studio.recorder.formats")}
              </span>
            </>
          )}
        </div>
      )}

      {rec.problem && (
        <p className="error-text" role="alert">
          {rec.problem}
        </p>
      )}
    </section>
  );
}
