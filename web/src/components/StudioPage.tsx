import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { can, useStore } from "../store";
import { leaveStudio, loadStudio, useStudio } from "../studioStore";
import { PageHeader, type PageLink } from "./PageHeader";
import { PromptDetail } from "./PromptDetail";
import { PromptList } from "./PromptList";
import { ScriptMode } from "./ScriptMode";

/** The recording studio: every prompt with its status per language on the left, the one open on
 * the right (its script, what callers hear, recording, takes), and a recording session over the
 * prompts shown. Voice talent land here; editors listen. */
export function StudioPage({ prompt, language }: { prompt?: string; language?: string }) {
  const { t } = useTranslation();
  const me = useStore((s) => s.me);
  const loadError = useStudio((s) => s.loadError);
  const loaded = useStudio((s) => s.prompts !== null);
  const session = useStudio((s) => s.session !== null);
  // `me` is read so that a change of user or role shows at once.
  const canRead = me !== null && can("read");
  const canRecord = me !== null && can("record");
  const canList = me !== null && can("prompts");
  // What the link that opened the studio asked for; the studio then keeps the URL up to date.
  const [wanted] = useState(() => {
    const asked: { prompt?: string; language?: string } = {};
    if (prompt) asked.prompt = prompt;
    if (language) asked.language = language;
    return asked;
  });

  useEffect(() => {
    if (!canList) return;
    void loadStudio(wanted);
    return leaveStudio;
  }, [canList, wanted]);

  const links: PageLink[] = canRead
    ? [
        { to: { page: "flows" }, label: t("studio.flows") },
        { to: { page: "deploys" }, label: t("flowList.deploys") },
      ]
    : [];

  return (
    <div className="studio">
      <PageHeader title={t("studio.title")} links={links} navLabel={t("flowList.pages")} />
      {!canList ? (
        <p className="readonly-note">{t("studio.noAccess")}</p>
      ) : loadError ? (
        <div className="trouble" role="alert">
          <p className="error-text">{t("studio.loadFailed", { reason: loadError })}</p>
          <button type="button" onClick={() => void loadStudio()}>
            {t("studio.retry")}
          </button>
        </div>
      ) : !loaded ? (
        <p className="loading">{t("studio.loading")}</p>
      ) : (
        <div className="studio-body">
          <PromptList canRecord={canRecord} />
          <PromptDetail canRecord={canRecord} canRead={canRead} />
        </div>
      )}
      {session && <ScriptMode />}
    </div>
  );
}
