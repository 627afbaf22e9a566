import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { firstWords } from "../flow/schema";
import { focusStep, useStore } from "../store";

export const FIND_EVENT = "sce:find";

/** Ctrl/Cmd+F on the canvas: find a step by its id, title or words, and go to it. */
export function FindStep() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const doc = useStore((s) => s.viewing?.doc ?? s.doc);

  useEffect(() => {
    const show = () => {
      setOpen(true);
      setTimeout(() => input.current?.select(), 0);
    };
    window.addEventListener(FIND_EVENT, show);
    return () => window.removeEventListener(FIND_EVENT, show);
  }, []);

  const found = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q || !doc?.nodes) return [];
    const languages = doc.languages ?? [];
    return Object.entries(doc.nodes)
      .filter(([id, step]) =>
        [id, step.title ?? "", firstWords(step, languages)].some((s) =>
          s.toLowerCase().includes(q),
        ),
      )
      .slice(0, 12)
      .map(([id, step]) => ({ id, title: step.title ?? "" }));
  }, [query, doc]);

  if (!open) return null;
  return (
    <search className="find-step">
      <input
        ref={input}
        type="search"
        aria-label={t("find.label")}
        placeholder={t("find.label")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") setOpen(false);
          if (e.key === "Enter" && found[0]) focusStep(found[0].id);
        }}
      />
      <ul aria-label={t("find.results")}>
        {found.map((f) => (
          <li key={f.id}>
            <button type="button" className="link" onClick={() => focusStep(f.id)}>
              {f.id}
              {f.title && <span className="muted"> — {f.title}</span>}
            </button>
          </li>
        ))}
        {query && !found.length && <li className="muted">{t("find.none")}</li>}
      </ul>
      <button type="button" onClick={() => setOpen(false)} aria-label={t("find.close")}>
        ×
      </button>
    </search>
  );
}
