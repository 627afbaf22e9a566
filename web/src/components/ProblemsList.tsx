import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Diagnostic } from "../api/types";
import { type RuleDoc, ruleDocs } from "../rules";
import { failed, focusStep, useStore } from "../store";

/** Every finding of the linter on the draft, errors first; a click brings its step into view,
 * and each code can explain itself (the rule's documentation, as `sce rules CODE` prints it). */
export function ProblemsList() {
  const { t } = useTranslation();
  const diagnostics = useStore((s) => s.diagnostics);
  const linting = useStore((s) => s.linting);
  const [explained, setExplained] = useState<RuleDoc | null>(null);
  if (!diagnostics.length) {
    return <p className="muted">{linting ? t("problems.checking") : t("problems.none")}</p>;
  }
  const sorted = [...diagnostics].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1,
  );

  function explain(code: string) {
    ruleDocs()
      .then((docs) => setExplained(docs.get(code) ?? null))
      .catch(failed);
  }

  return (
    <div className="problems-view">
      <ul className="problems" aria-label={t("problems.label")}>
        {sorted.map((d) => (
          <Problem key={`${d.code}|${d.pointer}|${d.message}`} d={d} onExplain={explain} />
        ))}
      </ul>
      {explained && (
        <section className="rule-doc" aria-labelledby="rule-doc-title">
          <div className="row">
            <h3 id="rule-doc-title">
              {explained.code} {explained.name}
            </h3>
            <button type="button" onClick={() => setExplained(null)} aria-label={t("app.close")}>
              ×
            </button>
          </div>
          <pre>{explained.doc ?? explained.summary}</pre>
        </section>
      )}
    </div>
  );
}

function Problem({ d, onExplain }: { d: Diagnostic; onExplain: (code: string) => void }) {
  const { t } = useTranslation();
  return (
    <li className="problem-row">
      <button
        type="button"
        className="problem"
        onClick={() => d.node && focusStep(d.node)}
        aria-label={`${t(`problems.${d.severity}`)} ${d.code}${d.node ? ` ${d.node}` : ""}: ${d.message}`}
      >
        <span className={`pill ${d.severity}`} aria-hidden="true">
          {d.severity === "error" ? "✕" : "!"}
        </span>
        <span className="code">{d.code}</span>
        <span>
          {d.node && <strong>{d.node}: </strong>}
          {d.message}
        </span>
      </button>
      <button type="button" className="link" onClick={() => onExplain(d.code)}>
        {t("problems.about", { code: d.code })}
      </button>
    </li>
  );
}
