import { useTranslation } from "react-i18next";
import { useStore } from "../store";

/** The last thing the designer has to say: a save done, or what went wrong, in plain words. */
export function NoticeBar() {
  const { t } = useTranslation();
  const notice = useStore((s) => s.notice);
  if (!notice) return null;
  return (
    <div
      className={`notice notice-${notice.kind}`}
      role={notice.kind === "error" ? "alert" : "status"}
    >
      <span>{notice.text}</span>
      <button
        type="button"
        onClick={() => useStore.setState({ notice: null })}
        aria-label={t("app.dismiss")}
      >
        ×
      </button>
    </div>
  );
}
