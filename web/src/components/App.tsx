import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { useRoute } from "../route";
import { useStore, whoAmI } from "../store";
import { DeploysPage } from "./DeploysPage";
import { Editor } from "./Editor";
import { FlowList } from "./FlowList";
import { LoginPage } from "./LoginPage";
import { NoticeBar } from "./NoticeBar";

export function App() {
  const { t } = useTranslation();
  const me = useStore((s) => s.me);
  const checked = useStore((s) => s.checked);
  const route = useRoute();

  useEffect(() => {
    void whoAmI();
  }, []);

  if (!checked) return <p className="loading">{t("app.loading")}</p>;
  if (!me) {
    return (
      <>
        <NoticeBar />
        <LoginPage />
      </>
    );
  }
  return (
    <>
      <NoticeBar />
      {route.page === "editor" ? (
        <Editor flowId={route.flow} />
      ) : route.page === "deploys" ? (
        <DeploysPage />
      ) : (
        <FlowList />
      )}
    </>
  );
}
