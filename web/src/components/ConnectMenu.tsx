import { type KeyboardEvent, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { START, steps as stepsOf } from "../flow/edit";
import { STEP_TYPES } from "../flow/schema";
import { type Connecting, useStore } from "../store";
import { stepTitle } from "../words";
import { StepIcon } from "./StepIcon";

/** Existing steps offered at once; the filter finds the others. */
const SHOWN_STEPS = 8;

/** Where an exit leads: a new step of a type (added already connected), an existing step, or
 * nowhere. Opened from an exit's button (the keyboard's way to wire a flow) or by dropping an
 * exit on empty canvas. */
export function ConnectMenu({
  connecting,
  onNew,
  onExisting,
  onDisconnect,
  onClose,
}: {
  connecting: Connecting;
  onNew: (type: string) => void;
  onExisting: (target: string) => void;
  onDisconnect: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const doc = useStore((s) => s.doc);
  const [filter, setFilter] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  // Inside the window, however near its edge the exit is.
  const [at, setAt] = useState(connecting.screen);
  useLayoutEffect(() => {
    const size = box.current?.getBoundingClientRect();
    if (!size) return;
    const x = Math.max(8, Math.min(connecting.screen.x, window.innerWidth - size.width - 8));
    const y = Math.max(8, Math.min(connecting.screen.y, window.innerHeight - size.height - 8));
    setAt({ x, y });
  }, [connecting.screen]);

  const words = filter.trim().toLowerCase();
  const types = STEP_TYPES.filter(
    (type) => !words || `${type} ${stepTitle(t, type)}`.toLowerCase().includes(words),
  );
  const existing = useMemo(() => {
    const all = Object.entries(doc ? stepsOf(doc) : {});
    const found = all.filter(
      ([id, step]) => !words || `${id} ${step.title ?? ""}`.toLowerCase().includes(words),
    );
    return found.slice(0, SHOWN_STEPS);
  }, [doc, words]);

  function move(e: KeyboardEvent) {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    e.preventDefault();
    const items = [...(box.current?.querySelectorAll<HTMLElement>("input, [role=menuitem]") ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next = items[(at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length];
    next?.focus();
  }

  const item = (key: string, onClick: () => void, content: React.ReactNode, className = "") => (
    <button key={key} type="button" role="menuitem" className={className} onClick={onClick}>
      {content}
    </button>
  );
  const source = connecting.source === START ? t("canvas.callStarts") : connecting.source;
  return (
    <div
      ref={box}
      className="connect-menu"
      role="menu"
      aria-label={t("canvas.connectMenu", { step: source })}
      style={{ left: at.x, top: at.y }}
      onKeyDown={move}
    >
      <input
        ref={input}
        type="search"
        aria-label={t("canvas.connectFilter")}
        placeholder={t("canvas.connectFilter")}
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      {types.length > 0 && <div className="menu-heading">{t("canvas.newStep")}</div>}
      {types.map((type) =>
        item(
          `new:${type}`,
          () => onNew(type),
          <>
            <StepIcon type={type} /> {stepTitle(t, type)}
          </>,
        ),
      )}
      {existing.length > 0 && <div className="menu-heading">{t("canvas.existingStep")}</div>}
      {existing.map(([id, step]) =>
        item(
          `to:${id}`,
          () => onExisting(id),
          <>
            <StepIcon type={step.type} /> {step.title ? `${step.title} · ${id}` : id}
            {id === connecting.target && <span className="muted"> ✓</span>}
          </>,
        ),
      )}
      {connecting.target &&
        item("disconnect", onDisconnect, t("canvas.disconnect", { step: connecting.target }))}
      {item("cancel", onClose, t("app.cancel"), "link")}
    </div>
  );
}
