import { useTranslation } from "react-i18next";
import type { PromptSummary } from "../api/types";
import { follow, href, type Route } from "../route";
import { isRecorded } from "../studio";

/** Whether a prompt field's recording id has audio in each of the flow's languages (recorded,
 * synthesised, or none yet: the words are spoken by text-to-speech), and a link to it in the
 * studio. */
export function PromptAudioStatus({
  id,
  prompt,
  languages,
}: {
  id: string;
  /** The catalog's prompt of that id; none when the catalog has no such prompt yet. */
  prompt: PromptSummary | undefined;
  languages: string[];
}) {
  const { t } = useTranslation();
  const shown = languages.length ? languages : Object.keys(prompt?.languages ?? {});
  const route: Route = { page: "studio", prompt: id };
  if (shown[0]) route.language = shown[0];
  return (
    <div className="prompt-audio">
      <ul className="prompt-audio-list" aria-label={t("properties.audioOf", { id })}>
        {shown.map((language) => {
          const state = prompt?.languages[language];
          const kind =
            !state || state.take === null
              ? "missing"
              : isRecorded(state)
                ? "recorded"
                : "synthesised";
          return (
            <li key={language} className={`prompt-audio-${kind}`}>
              <span className="lang-tag">{language}</span> {t(`properties.audioStatus.${kind}`)}
              {state?.stale && <> · {t("properties.audioStatus.stale")}</>}
            </li>
          );
        })}
      </ul>
      <a href={href(route)} onClick={(e) => follow(e, route)} className="small">
        {t("properties.openInStudio")}
      </a>
    </div>
  );
}
