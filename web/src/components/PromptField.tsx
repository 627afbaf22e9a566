import { useId } from "react";
import { useTranslation } from "react-i18next";
import { ExpressionField } from "./ExpressionField";

interface PromptValue {
  audio?: string;
  text?: Record<string, string>;
}

/** What the caller hears: the words per language of the flow (checked as templates while
 * typed), and the recording's id in the prompt catalog. */
export function PromptField({
  name,
  title,
  help,
  value,
  languages,
  readOnly,
  onChange,
}: {
  name: string;
  title: string;
  help?: string;
  value: PromptValue | undefined;
  languages: string[];
  readOnly: boolean;
  onChange: (value: PromptValue | undefined) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const prompt = value ?? {};
  const texts = prompt.text ?? {};
  const shown = [...languages, ...Object.keys(texts).filter((l) => !languages.includes(l))];
  const put = (next: PromptValue) => {
    const empty = !next.audio && !Object.keys(next.text ?? {}).length;
    onChange(empty ? undefined : next);
  };
  return (
    <fieldset className="fieldset prompt-field" data-field={name}>
      <legend>{title}</legend>
      {help && <span className="help">{help}</span>}
      {shown.map((language) => (
        <ExpressionField
          key={language}
          kind="template"
          multiline
          label={t("properties.promptIn", { language })}
          value={texts[language] ?? ""}
          readOnly={readOnly}
          onChange={(text) => {
            const { [language]: _old, ...rest } = texts;
            put({ ...prompt, text: text ? { ...rest, [language]: text } : rest });
          }}
        />
      ))}
      <div className="field">
        <label htmlFor={id}>{t("properties.recording")}</label>
        <input
          id={id}
          value={prompt.audio ?? ""}
          readOnly={readOnly}
          placeholder={t("properties.recordingPlaceholder")}
          onChange={(e) => {
            const { audio: _old, ...rest } = prompt;
            put(e.target.value ? { ...rest, audio: e.target.value } : rest);
          }}
        />
      </div>
    </fieldset>
  );
}
