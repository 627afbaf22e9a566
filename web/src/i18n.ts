/** The UI's texts in English and Simplified Chinese; the choice is remembered in the browser. */
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./locales/en.json";
import zh from "./locales/zh-CN.json";

export const UI_LANGUAGES = { en: "English", "zh-CN": "简体中文" } as const;
export type UiLanguage = keyof typeof UI_LANGUAGES;
const KEY = "sce.language";

function remembered(): UiLanguage {
  const kept = localStorage.getItem(KEY);
  return kept === "zh-CN" || kept === "en" ? kept : "en";
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, "zh-CN": { translation: zh } },
  lng: remembered(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
});
document.documentElement.lang = i18next.language;

export function switchLanguage(language: UiLanguage): void {
  localStorage.setItem(KEY, language);
  void i18next.changeLanguage(language);
  document.documentElement.lang = language;
}

export default i18next;
