import {
  type FormEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";
import { useTranslation } from "react-i18next";
import { ApiError, get, path, post } from "../api/client";
import type { DeployRecord, Diagnostic, TestCall, TestEvent } from "../api/types";
import { Speaker } from "../speaker";
import { focusStep, markPath, placedDoc, useStore, view } from "../store";
import {
  activeStep,
  type Deployed,
  deployedVersions,
  KEYS,
  type Line,
  lineOfEvent,
  linesOf,
  pathMarks,
  promptsOf,
  walked,
} from "../testcall";

const DEFAULT_CALLER = "+15550100100";
const SPEAK_KEY = "sce.speakPrompts";

/** What the call runs: the draft, the live version, or `version:HASH`, a version deployed earlier. */
type Run = "draft" | "live" | `version:${string}`;

interface Numbered {
  id: number;
  line: Line;
}

interface Problem {
  message: string;
  diagnostics: Diagnostic[];
}

function isDiagnostic(entry: unknown): entry is Diagnostic {
  return typeof entry === "object" && entry !== null && "code" in entry && "severity" in entry;
}

function speakingRemembered(): boolean {
  try {
    return localStorage.getItem(SPEAK_KEY) !== "off";
  } catch {
    return true;
  }
}

/** A phone without a phone: calls the draft (or the live version) on the server's engine, with
 * a keypad, a line to say things, silence and hanging up; the transcript says what the caller
 * heard and did, the prompts are spoken aloud, and the canvas follows the call. */
export function TestCallPanel() {
  const { t } = useTranslation();
  const flowId = useStore((s) => s.flowId);
  const allowed = useStore(
    (s) => (s.me?.permissions as string[] | undefined)?.includes("test") ?? false,
  );
  const hasDraft = useStore((s) => s.doc !== null);
  const [run, setRun] = useState<Run>("draft");
  const [versions, setVersions] = useState<Deployed[]>([]);

  useEffect(() => {
    if (!flowId) return;
    get<{ deploys: DeployRecord[] }>(
      `${path("/api/deploys")}?flow=${encodeURIComponent(flowId)}&limit=100`,
    )
      .then((answer) => setVersions(deployedVersions(answer.deploys)))
      .catch(() => setVersions([]));
  }, [flowId]);
  const [caller, setCaller] = useState(DEFAULT_CALLER);
  const [called, setCalled] = useState("");
  const [callId, setCallId] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [waiting, setWaiting] = useState<Record<string, unknown> | null>(null);
  const [lines, setLines] = useState<Numbered[]>([]);
  const [starting, setStarting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [speech, setSpeech] = useState("");
  const [speak, setSpeak] = useState(speakingRemembered);
  const [speaker] = useState(() => new Speaker());
  const ids = useId();
  const transcript = useRef<HTMLOListElement>(null);

  // What the answers build on, outside React's rendering: the call, the steps walked, the one
  // it is at, and the events still to send (one at a time, in the order given).
  const call = useRef<{ id: string | null; round: number; live: boolean }>({
    id: null,
    round: 0,
    live: false,
  });
  const visited = useRef<string[]>([]);
  const active = useRef<string | null>(null);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const counter = useRef(0);
  const speakOn = useRef(speak);
  speakOn.current = speak;

  const append = useCallback((more: Line[]) => {
    if (!more.length) return;
    setLines((old) => [...old, ...more.map((line) => ({ id: ++counter.current, line }))]);
  }, []);

  const showFailure = useCallback(
    (error: unknown, draft: boolean) => {
      if ((error as Error)?.name === "AbortError") return;
      const entries = error instanceof ApiError ? (error.body?.errors ?? []) : [];
      const diagnostics = entries.filter(isDiagnostic);
      const plain = entries.filter((e) => !isDiagnostic(e))[0]?.message;
      const message = plain ?? (error instanceof Error ? error.message : String(error));
      const refused = draft && error instanceof ApiError && error.status === 422;
      setProblem({
        message: refused ? t("testCall.cannotRun", { message }) : t("testCall.failed", { message }),
        diagnostics,
      });
    },
    [t],
  );

  /** One answer of the server: the transcript, the path on the canvas, the prompts aloud. */
  const take = useCallback(
    (answer: TestCall) => {
      append(linesOf(answer));
      visited.current = walked(visited.current, answer);
      active.current = activeStep(answer, active.current);
      markPath(pathMarks(visited.current, active.current));
      const at = active.current;
      const shown = useStore.getState().viewing?.doc ?? useStore.getState().doc;
      if (at && shown?.nodes && at in shown.nodes) focusStep(at);
      if (speakOn.current) speaker.speak(promptsOf(answer));
      call.current.live = !answer.ended;
      setEnded(answer.ended);
      setWaiting(
        answer.ended ? null : ((answer.waiting_for as Record<string, unknown> | null) ?? null),
      );
    },
    [append, speaker],
  );

  const hangUpQuietly = useCallback(() => {
    const { id, live } = call.current;
    if (id && live) {
      void post(path("/api/simulate/calls/{id}/events", id), { type: "hangup" }).catch(
        () => undefined,
      );
    }
    call.current = { id: null, round: call.current.round + 1, live: false };
  }, []);

  // Another flow, or the editor closed: the call is hung up and the panel starts afresh.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the flow changes
  useEffect(() => {
    return () => {
      hangUpQuietly();
      speaker.stop();
      visited.current = [];
      active.current = null;
      setLines([]);
      setCallId(null);
      setEnded(false);
      setWaiting(null);
      setProblem(null);
    };
  }, [flowId, hangUpQuietly, speaker]);

  async function start(event?: FormEvent) {
    event?.preventDefault();
    const { doc, flowId: id, viewing } = useStore.getState();
    if (!id || (run === "draft" && !doc)) return;
    hangUpQuietly();
    speaker.stop();
    const round = call.current.round;
    visited.current = [];
    active.current = null;
    queue.current = Promise.resolve();
    setLines([]);
    setProblem(null);
    setWaiting(null);
    setEnded(false);
    setCallId(null);
    markPath({});
    // The path is drawn on the draft: a revision or a diff on the canvas makes way for it.
    if (run === "draft" && viewing) view(null);
    const body: Record<string, unknown> =
      run === "draft" && doc
        ? { document: placedDoc(doc) }
        : run.startsWith("version:")
          ? { flow: id, version: run.slice("version:".length) }
          : { flow: id };
    body.caller = caller.trim() || null;
    if (called.trim()) body.called = called.trim();
    setStarting(true);
    try {
      const answer = await post<TestCall>("/api/simulate/calls", body);
      if (call.current.round !== round) return;
      call.current = { id: answer.call, round, live: !answer.ended };
      setCallId(answer.call);
      take(answer);
    } catch (error) {
      if (call.current.round === round) showFailure(error, run === "draft");
    } finally {
      setStarting(false);
    }
  }

  /** What the caller does next, after what they did before has been answered. */
  function send(event: TestEvent) {
    const { id, round, live } = call.current;
    if (!id || !live) return;
    speaker.stop();
    append([lineOfEvent(event)]);
    queue.current = queue.current.then(async () => {
      if (call.current.round !== round || !call.current.live) return;
      try {
        const answer = await post<TestCall>(path("/api/simulate/calls/{id}/events", id), event);
        if (call.current.round === round) take(answer);
      } catch (error) {
        if (call.current.round !== round) return;
        showFailure(error, false);
        if (error instanceof ApiError && error.status === 404) {
          call.current.live = false;
          setEnded(true);
          setWaiting(null);
        }
      }
    });
  }

  function sayIt(event: FormEvent) {
    event.preventDefault();
    const text = speech.trim();
    if (!text) return;
    send({ type: "speech", text });
    setSpeech("");
  }

  function onKeypadKey(event: KeyboardEvent) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^[0-9*#]$/.test(event.key)) {
      event.preventDefault();
      send({ type: "digits", digits: event.key });
    }
  }

  function toggleSpeak(on: boolean) {
    setSpeak(on);
    try {
      localStorage.setItem(SPEAK_KEY, on ? "on" : "off");
    } catch {
      // a browser that keeps nothing: the choice lasts this page
    }
    if (!on) speaker.stop();
  }

  function clear() {
    speaker.stop();
    setLines([]);
    setProblem(null);
    visited.current = [];
    active.current = null;
    markPath({});
  }

  // The newest line in view, as a phone's log scrolls.
  useEffect(() => {
    if (lines.length) transcript.current?.lastElementChild?.scrollIntoView?.({ block: "nearest" });
  }, [lines]);

  const inCall = callId !== null && !ended;
  const node = typeof waiting?.node === "string" ? waiting.node : "";

  return (
    <div className="test-call">
      <form className="test-call-start toolbar" onSubmit={(e) => void start(e)}>
        {/* A label beside the select, not around it: its name is "Run", not its options too. */}
        <div className="field">
          <label htmlFor={`${ids}-run`}>{t("testCall.run")}</label>
          <select id={`${ids}-run`} value={run} onChange={(e) => setRun(e.target.value as Run)}>
            <option value="draft">{t("testCall.thisDraft")}</option>
            <option value="live">{t("testCall.liveVersion")}</option>
            {versions.map((v) => (
              <option key={v.version} value={`version:${v.version}`}>
                {t("testCall.deployedVersion", {
                  version: v.version.slice(0, 8),
                  when: new Date(v.when).toLocaleString(),
                  who: v.who,
                })}
              </option>
            ))}
          </select>
        </div>
        <label>
          {t("testCall.callerNumber")}
          <input
            value={caller}
            onChange={(e) => setCaller(e.target.value)}
            inputMode="tel"
            autoComplete="off"
            maxLength={64}
          />
        </label>
        <label>
          {t("testCall.calledNumber")}
          <input
            value={called}
            onChange={(e) => setCalled(e.target.value)}
            inputMode="tel"
            autoComplete="off"
            maxLength={64}
            placeholder={t("testCall.optional")}
          />
        </label>
        <button
          type="submit"
          className="primary"
          aria-label={t("testCall.start")}
          disabled={!allowed || starting || !flowId || (run === "draft" && !hasDraft)}
        >
          {t("testCall.call")}
        </button>
        <label className="checkbox">
          <input type="checkbox" checked={speak} onChange={(e) => toggleSpeak(e.target.checked)} />
          {t("testCall.speakPrompts")}
        </label>
        <button type="button" onClick={clear} disabled={!lines.length && !problem}>
          {t("testCall.clear")}
        </button>
        {!allowed && <span className="muted small">{t("testCall.notAllowed")}</span>}
      </form>

      <div className="test-call-phone">
        {/* Typing a key while on the keypad presses it, as the buttons do. */}
        <fieldset className="keypad" onKeyDown={onKeypadKey}>
          <legend className="visually-hidden">{t("testCall.keypad")}</legend>
          {KEYS.map(([key, name]) => (
            <button
              key={key}
              type="button"
              className="key"
              aria-label={t("testCall.key", {
                key: name === key ? key : t(`testCall.keyNames.${name}`),
              })}
              disabled={!inCall}
              onClick={() => send({ type: "digits", digits: key })}
            >
              {key}
            </button>
          ))}
        </fieldset>

        <div className="test-call-actions">
          <form className="test-call-say" onSubmit={sayIt}>
            <label>
              {t("testCall.callerSays")}
              <input value={speech} onChange={(e) => setSpeech(e.target.value)} maxLength={2000} />
            </label>
            <button type="submit" disabled={!inCall || !speech.trim()}>
              {t("testCall.say")}
            </button>
          </form>
          <div className="toolbar">
            <button type="button" disabled={!inCall} onClick={() => send({ type: "timeout" })}>
              {t("testCall.silence")}
            </button>
            <button
              type="button"
              className="danger"
              disabled={!inCall}
              onClick={() => send({ type: "hangup" })}
            >
              {t("testCall.hangUp")}
            </button>
          </div>
          {inCall && waiting?.action === "transfer" && (
            <div className="toolbar">
              <button
                type="button"
                onClick={() => send({ type: "transfer", outcome: "completed" })}
              >
                {t("testCall.agentAnswers")}
              </button>
              <button type="button" onClick={() => send({ type: "transfer", outcome: "failed" })}>
                {t("testCall.transferFails")}
              </button>
            </div>
          )}
          {inCall && waiting?.action === "record" && (
            <div className="toolbar">
              <button
                type="button"
                onClick={() =>
                  send({ type: "recording", duration: 5, transcript: speech.trim() || null })
                }
              >
                {t("testCall.sendRecording")}
              </button>
            </div>
          )}
        </div>
      </div>

      <div className="test-call-transcript">
        {inCall && (
          <p className="muted small" role="status">
            {waiting?.action === "gather"
              ? t("testCall.waitingInput", { node })
              : waiting?.action === "record"
                ? t("testCall.waitingRecording", { node })
                : waiting?.action === "transfer"
                  ? t("testCall.waitingTransfer", { node })
                  : t("testCall.inCall")}
          </p>
        )}
        {problem && (
          <div className="trouble" role="alert">
            <p className="error-text">{problem.message}</p>
            {problem.diagnostics.length > 0 && (
              <ul className="test-call-problems">
                {problem.diagnostics.map((d, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: diagnostics have no id, and repeat
                  <li key={i}>
                    <span className={`pill ${d.severity}`}>{d.code}</span>{" "}
                    {d.node ? (
                      <button
                        type="button"
                        className="link"
                        onClick={() => focusStep(d.node as string)}
                      >
                        {d.node}
                      </button>
                    ) : null}
                    {d.node ? ": " : ""}
                    {d.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {!lines.length && !problem && <p className="muted">{t("testCall.empty")}</p>}
        <ol
          ref={transcript}
          className="transcript"
          aria-live="polite"
          aria-label={t("testCall.transcript")}
        >
          {lines.map(({ id, line }) => (
            <li key={id} className={`transcript-${line.kind}`}>
              <TranscriptLine line={line} />
            </li>
          ))}
        </ol>
      </div>
    </div>
  );
}

function TranscriptLine({ line }: { line: Line }) {
  const { t } = useTranslation();
  switch (line.kind) {
    case "heard":
      return (
        <>
          <span className="who">{t("testCall.heard")}</span>{" "}
          <q lang={line.language || undefined}>{line.text}</q>
          {line.audioUrl ? (
            <>
              {" "}
              <a
                className="recording-link"
                href={line.audioUrl}
                target="_blank"
                rel="noreferrer"
                title={line.audioUrl}
              >
                <span aria-hidden="true">▶ </span>
                {t("testCall.playRecording")}
              </a>
            </>
          ) : (
            <span className="visually-hidden"> {t("testCall.spokenFromText")}</span>
          )}
        </>
      );
    case "pressed":
      return <>{t("testCall.pressed", { digits: line.digits })}</>;
    case "said":
      return <>{t("testCall.said", { text: line.text })}</>;
    case "silence":
      return <>{t("testCall.silenceLine")}</>;
    case "hungUp":
      return <>{t("testCall.hungUp")}</>;
    case "recorded":
      return <>{t("testCall.recorded")}</>;
    case "transferOutcome":
      return <>{t(`testCall.outcome.${line.outcome}`, { defaultValue: line.outcome })}</>;
    case "note":
      return (
        <>
          <span className="who">{line.node || t("testCall.noteOf")}</span> {line.text}
        </>
      );
    case "transfer":
      return (
        <>
          {line.queue
            ? t("testCall.transferredQueue", { queue: line.queue })
            : line.number
              ? t("testCall.transferredNumber", { number: line.number })
              : t("testCall.transferred")}
        </>
      );
    case "ended":
      return <strong>{t("testCall.ended")}</strong>;
  }
}
