import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { post } from "../api/client";
import { placedDoc, useStore } from "../store";

interface Checked {
  ok: boolean;
  errors: { message: string; column?: number | null }[];
  type?: string | null;
}

const CHECK_DELAY_MS = 250;

/** A condition or a text with `{...}` parts: the server parses and type-checks it while it is
 * typed (the same checker the linter uses), and the field shows what it says. */
export function ExpressionField({
  label,
  help,
  kind,
  value,
  readOnly,
  multiline = false,
  onChange,
}: {
  label: string;
  help?: string;
  kind: "expression" | "template";
  value: string;
  readOnly: boolean;
  multiline?: boolean;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [checked, setChecked] = useState<Checked | null>(null);
  const needsCheck = kind === "expression" ? value.trim() !== "" : value.includes("{");

  useEffect(() => {
    if (!needsCheck) {
      setChecked(null);
      return;
    }
    const running = new AbortController();
    const timer = setTimeout(() => {
      const doc = useStore.getState().doc;
      post<Checked>(
        "/api/expressions",
        { kind, text: value, document: doc ? placedDoc(doc) : undefined },
        running.signal,
      )
        .then(setChecked)
        .catch(() => undefined);
    }, CHECK_DELAY_MS);
    return () => {
      clearTimeout(timer);
      running.abort();
    };
  }, [kind, value, needsCheck]);

  const problem = checked && !checked.ok ? checked.errors.map((e) => e.message).join("; ") : "";
  const props = {
    id,
    value,
    readOnly,
    "aria-invalid": problem ? true : undefined,
    "aria-describedby": problem ? `${id}-error` : undefined,
    spellCheck: kind === "template",
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      onChange(e.target.value),
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea rows={2} {...props} />
      ) : (
        <input className={kind === "expression" ? "mono" : ""} {...props} />
      )}
      {problem && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {problem}
        </span>
      )}
      {checked?.ok && kind === "expression" && checked.type && (
        <span className="help">{t("properties.gives", { type: checked.type })}</span>
      )}
      {help && <span className="help">{help}</span>}
    </div>
  );
}
