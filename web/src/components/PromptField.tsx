import { useEffect, useId } from "react";
import { useTranslation } from "react-i18next";
import { useStore } from "../store";
import { ensureCatalog, useStudio } from "../studioStore";
import { ExpressionField } from "./ExpressionField";
import { PromptAudioStatus } from "./PromptAudioStatus";

interface PromptValue {
  audio?: string;
  text?: Record<string, string>;
}

/** What the caller hears: the words per language of the flow (checked as templates while
 * typed), and the recording's id in the prompt catalog, offered from the catalog (with its
 * texts) to those who may see prompts, with whether it has audio yet. */
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
  const catalogAllowed = useStore(
    (s) => (s.me?.permissions as string[] | undefined)?.includes("prompts") ?? false,
  );
  const catalog = useStudio((s) => (catalogAllowed ? s.catalog : null));
  useEffect(() => {
    if (catalogAllowed) ensureCatalog();
  }, [catalogAllowed]);
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
          list={catalog?.length && !readOnly ? `${id}-catalog` : undefined}
          autoComplete="off"
          placeholder={t("properties.recordingPlaceholder")}
          onChange={(e) => {
            const { audio: _old, ...rest } = prompt;
            put(e.target.value ? { ...rest, audio: e.target.value } : rest);
          }}
        />
        {catalog && catalog.length > 0 && !readOnly && (
          <datalist id={`${id}-catalog`}>
            {catalog.map((p) => (
              <option
                key={p.id}
                value={p.id}
                label={p.languages[languages[0] ?? ""]?.text || Object.values(p.languages)[0]?.text}
              />
            ))}
          </datalist>
        )}
        {catalog && prompt.audio && (
          <PromptAudioStatus
            id={prompt.audio}
            prompt={catalog.find((p) => p.id === prompt.audio)}
            languages={languages}
          />
        )}
      </div>
    </fieldset>
  );
}
