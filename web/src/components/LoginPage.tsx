import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import { logIn, useStore } from "../store";
import { LanguageSwitcher } from "./LanguageSwitcher";

export function LoginPage() {
  const { t } = useTranslation();
  const anyUsers = useStore((s) => s.anyUsers);
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await logIn(user, password);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setError(t("login.wrong"));
      else if (e instanceof ApiError && e.status === 429) setError(t("login.tooMany"));
      else setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form onSubmit={submit} className="login-card" aria-labelledby="login-title">
        <h1 id="login-title">{t("login.title")}</h1>
        <p className="muted">{t("login.subtitle")}</p>
        <label>
          {t("login.user")}
          <input
            value={user}
            onChange={(e) => setUser(e.target.value)}
            autoComplete="username"
            required
          />
        </label>
        <label>
          {t("login.password")}
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        {error && (
          <p role="alert" className="error-text">
            {error}
          </p>
        )}
        {!anyUsers && <p className="muted">{t("login.noUsers")}</p>}
        <button type="submit" className="primary" disabled={busy}>
          {t("login.submit")}
        </button>
        <LanguageSwitcher />
      </form>
    </main>
  );
}
