import { useCallback, useEffect, useRef, useState } from "react";
import i18next from "../i18n";
import { peakDb } from "../studio";
import { trimmedWav } from "../wav";
import { FLOOR_DB } from "./LevelMeter";

export type Phase = "idle" | "starting" | "recording" | "recorded";

/** What MediaRecorder writes, best first (Chromium: WebM/Opus; Safari: MP4/AAC). */
const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
/** How often the level is shown anew (ms): often enough to follow a voice, not every frame. */
const LEVEL_EVERY_MS = 60;
/** A peak this close to full scale (dBFS) is a clipped take. */
const CLIPPED_DB = -0.5;
/** How long "too loud" stays after the last clipped peak (ms). */
const CLIP_HOLD_MS = 1500;

interface Live {
  stream: MediaStream;
  recorder: MediaRecorder;
  context: AudioContext | null;
  frame: number;
  done: Promise<Blob | null>;
}

function recorderType(): string | undefined {
  if (typeof MediaRecorder === "undefined" || !MediaRecorder.isTypeSupported) return undefined;
  return TYPES.find((type) => MediaRecorder.isTypeSupported(type));
}

/** Why the microphone did not open, in words a voice talent can act on. */
function microphoneProblem(error: unknown): string {
  const name = (error as Error)?.name;
  if (name === "NotAllowedError" || name === "SecurityError")
    return i18next.t("studio.recorder.micDenied");
  if (name === "NotFoundError" || name === "OverconstrainedError")
    return i18next.t("studio.recorder.noMicrophone");
  if (name === "NotReadableError") return i18next.t("studio.recorder.micBusy");
  return i18next.t("studio.recorder.micFailed", { reason: (error as Error)?.message ?? name });
}

/** The part of a recording between the trim handles, as a 16-bit WAV file: decoded by the
 * browser, cut, written by `wav.ts`. */
export async function trimmedTake(take: Blob, start: number, end: number | null): Promise<Blob> {
  const context = new AudioContext();
  try {
    const decoded = await context.decodeAudioData(await take.arrayBuffer());
    const channels = Array.from({ length: decoded.numberOfChannels }, (_, i) =>
      decoded.getChannelData(i),
    );
    const wav = trimmedWav(channels, decoded.sampleRate, start, end ?? decoded.duration);
    if (wav.byteLength <= 44) throw new Error(i18next.t("studio.recorder.nothingKept"));
    return new Blob([wav], { type: "audio/wav" });
  } finally {
    void context.close().catch(() => undefined);
  }
}

/** Recording from the microphone: MediaRecorder for the take, an AnalyserNode for the level
 * meter. The microphone is held only while recording, and let go when the component goes. */
export function useRecording() {
  const [phase, setPhase] = useState<Phase>("idle");
  const [level, setLevel] = useState(FLOOR_DB);
  const [clipped, setClipped] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [take, setTake] = useState<Blob | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const live = useRef<Live | null>(null);
  const round = useRef(0);

  const release = useCallback((current: Live) => {
    cancelAnimationFrame(current.frame);
    for (const track of current.stream.getTracks()) track.stop();
    void current.context?.close().catch(() => undefined);
  }, []);

  // Gone (another prompt, the session left): the microphone is let go, the take dropped.
  useEffect(
    () => () => {
      round.current += 1;
      const current = live.current;
      live.current = null;
      if (!current) return;
      if (current.recorder.state !== "inactive") current.recorder.stop();
      release(current);
    },
    [release],
  );

  const start = useCallback(async () => {
    if (live.current) return;
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      setProblem(i18next.t("studio.recorder.unsupported"));
      return;
    }
    const mine = ++round.current;
    setProblem(null);
    setTake(null);
    setPhase("starting");
    let stream: MediaStream;
    try {
      // The voice as it is: no echo cancelling, noise gate or automatic gain on a studio take.
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (error) {
      if (round.current === mine) {
        setProblem(microphoneProblem(error));
        setPhase("idle");
      }
      return;
    }
    if (round.current !== mine) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    const type = recorderType();
    const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks: Blob[] = [];
    recorder.ondataavailable = (event) => {
      if (event.data.size) chunks.push(event.data);
    };
    const done = new Promise<Blob | null>((resolve) => {
      recorder.onstop = () =>
        resolve(chunks.length ? new Blob(chunks, { type: recorder.mimeType || type }) : null);
      recorder.onerror = () => resolve(null);
    });
    let context: AudioContext | null = null;
    let analyser: AnalyserNode | null = null;
    try {
      context = new AudioContext();
      analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      context.createMediaStreamSource(stream).connect(analyser);
      void context.resume().catch(() => undefined);
    } catch {
      analyser = null; // no meter, the take is recorded all the same
    }
    const current: Live = { stream, recorder, context, frame: 0, done };
    live.current = current;
    const began = performance.now();
    const block = new Float32Array(analyser?.fftSize ?? 0);
    let shown = 0;
    let clippedAt = Number.NEGATIVE_INFINITY;
    let held = FLOOR_DB;
    const tick = (now: number) => {
      if (live.current !== current) return;
      if (analyser) {
        analyser.getFloatTimeDomainData(block);
        const db = peakDb(block, FLOOR_DB);
        if (db >= CLIPPED_DB) clippedAt = now;
        // A peak shows at once and falls back slowly, as a studio meter does.
        held = Math.max(db, held - 1.2);
      }
      if (now - shown >= LEVEL_EVERY_MS) {
        shown = now;
        setLevel(held);
        setClipped(now - clippedAt < CLIP_HOLD_MS);
        setElapsed(now - began);
      }
      current.frame = requestAnimationFrame(tick);
    };
    recorder.start(250);
    setElapsed(0);
    setPhase("recording");
    current.frame = requestAnimationFrame(tick);
  }, []);

  /** Stops recording; the take, once MediaRecorder has written its last part. */
  const stop = useCallback(async (): Promise<Blob | null> => {
    const current = live.current;
    if (!current) return take;
    const mine = round.current;
    live.current = null;
    if (current.recorder.state !== "inactive") current.recorder.stop();
    release(current);
    setLevel(FLOOR_DB);
    setClipped(false);
    const blob = await current.done;
    if (round.current !== mine) return null;
    if (!blob) {
      setProblem(i18next.t("studio.recorder.empty"));
      setPhase("idle");
      return null;
    }
    setTake(blob);
    setPhase("recorded");
    return blob;
  }, [release, take]);

  const discard = useCallback(() => {
    round.current += 1;
    const current = live.current;
    live.current = null;
    if (current) {
      if (current.recorder.state !== "inactive") current.recorder.stop();
      release(current);
    }
    setTake(null);
    setLevel(FLOOR_DB);
    setClipped(false);
    setPhase("idle");
  }, [release]);

  return { phase, level, clipped, elapsed, take, problem, setProblem, start, stop, discard };
}
