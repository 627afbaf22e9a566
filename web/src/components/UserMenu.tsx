import { useTranslation } from "react-i18next";
import { logOut, useStore } from "../store";

/** Who is logged in, with which role, and logging out. */
export function UserMenu() {
  const { t } = useTranslation();
  const me = useStore((s) => s.me);
  if (!me) return null;
  return (
    <div className="user-menu">
      <span>
        {me.user} <span className="pill">{t(`roles.${me.role}`)}</span>
      </span>
      <button type="button" onClick={() => void logOut()}>
        {t("app.logOut")}
      </button>
    </div>
  );
}
