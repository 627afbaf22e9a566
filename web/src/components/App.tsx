import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { replace, useRoute } from "../route";
import { useStore, whoAmI } from "../store";
import { DeploysPage } from "./DeploysPage";
import { Editor } from "./Editor";
import { FlowList } from "./FlowList";
import { LoginPage } from "./LoginPage";
import { NoticeBar } from "./NoticeBar";
import { StudioPage } from "./StudioPage";

export function App() {
  const { t } = useTranslation();
  const me = useStore((s) => s.me);
  const checked = useStore((s) => s.checked);
  const route = useRoute();
  const permissions = (me?.permissions ?? []) as string[];
  // A role that may not read flows (voice talent) works in the studio: every other page of the
  // designer would only fail for it.
  const toStudio =
    me !== null &&
    route.page !== "studio" &&
    !permissions.includes("read") &&
    permissions.includes("prompts");

  useEffect(() => {
    void whoAmI();
  }, []);

  useEffect(() => {
    if (toStudio) replace({ page: "studio" });
  }, [toStudio]);

  if (!checked) return <p className="loading">{t("app.loading")}</p>;
  if (!me) {
    return (
      <>
        <NoticeBar />
        <LoginPage />
      </>
    );
  }
  const page = toStudio ? "studio" : route.page;
  return (
    <>
      <NoticeBar />
      {page === "studio" ? (
        <StudioPage
          prompt={route.page === "studio" ? route.prompt : undefined}
          language={route.page === "studio" ? route.language : undefined}
        />
      ) : route.page === "editor" ? (
        <Editor flowId={route.flow} />
      ) : route.page === "deploys" ? (
        <DeploysPage />
      ) : (
        <FlowList />
      )}
    </>
  );
}
