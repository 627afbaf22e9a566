import { useTranslation } from "react-i18next";
import { switchLanguage, UI_LANGUAGES, type UiLanguage } from "../i18n";

export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language-switcher">
      <span>{t("app.uiLanguage")}</span>
      <select value={i18n.language} onChange={(e) => switchLanguage(e.target.value as UiLanguage)}>
        {Object.entries(UI_LANGUAGES).map(([code, name]) => (
          <option key={code} value={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
