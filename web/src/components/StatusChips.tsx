import { useTranslation } from "react-i18next";
import type { PromptLanguageState } from "../api/types";
import { chipsOf } from "../studio";

/** What callers hear of a prompt in a language, as chips: missing, synthesised, recorded,
 * approved; and stale when the script changed since that take was made. Missing and stale
 * stand out. */
export function StatusChips({
  state,
  language,
}: {
  state: PromptLanguageState | undefined;
  language?: string;
}) {
  const { t } = useTranslation();
  return (
    <span className="chips">
      {language && <span className="visually-hidden">{language}: </span>}
      {chipsOf(state).map((chip) => (
        <span key={chip} className={`chip chip-${chip}`} title={t(`studio.chipHelp.${chip}`)}>
          {t(`studio.chips.${chip}`)}
        </span>
      ))}
    </span>
  );
}
