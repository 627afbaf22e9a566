import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { go } from "../route";
import { can, layOutAll, redo, save, undo, useStore } from "../store";
import { ConflictBanner } from "./ConflictBanner";
import { DeployDialog } from "./DeployDialog";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { UserMenu } from "./UserMenu";
import { SAVE_EVENT } from "./useShortcuts";

/** The editor's top bar: the flow, whether it is saved, Save, Deploy, undo and redo. */
export function TopBar() {
  const { t } = useTranslation();
  const flowId = useStore((s) => s.flowId);
  const title = useStore((s) => s.doc?.title);
  const saveState = useStore((s) => s.saveState);
  const revision = useStore((s) => s.saved?.revision);
  const canUndo = useStore((s) => s.history.past.length > 0);
  const canRedo = useStore((s) => s.history.future.length > 0);
  const linting = useStore((s) => s.linting);
  const viewing = useStore((s) => s.viewing !== null);
  const [deploying, setDeploying] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const [message, setMessage] = useState("");
  const writable = can("write");

  useEffect(() => {
    const ask = () => {
      if (!can("write") || useStore.getState().saveState === "saved") return;
      dialog.current?.showModal();
    };
    window.addEventListener(SAVE_EVENT, ask);
    return () => window.removeEventListener(SAVE_EVENT, ask);
  }, []);

  async function submit() {
    const done = await save(message.trim());
    if (done) {
      setMessage("");
      dialog.current?.close();
    } else if (useStore.getState().saveState === "conflict") dialog.current?.close();
  }

  return (
    <>
      <header className="topbar">
        <button type="button" className="link" onClick={() => go({ page: "flows" })}>
          ← {t("topbar.flows")}
        </button>
        <h1 className="flow-name">
          {title || flowId} <span className="muted">{title ? flowId : ""}</span>
        </h1>
        <span className={`save-state ${saveState}`} role="status" aria-live="polite">
          {t(`save.${saveState}`)}
          {saveState === "saved" && revision ? ` · ${t("save.revision", { revision })}` : ""}
        </span>
        {linting && <span className="muted small">{t("topbar.checking")}</span>}
        <span className="spacer" />
        <button type="button" onClick={undo} disabled={!canUndo || viewing} title="Ctrl+Z">
          {t("topbar.undo")}
        </button>
        <button type="button" onClick={redo} disabled={!canRedo || viewing} title="Ctrl+Shift+Z">
          {t("topbar.redo")}
        </button>
        <button type="button" onClick={() => void layOutAll()} disabled={!writable || viewing}>
          {t("topbar.layout")}
        </button>
        {!writable && <span className="readonly-note">{t("topbar.viewerCannotSave")}</span>}
        <button
          type="button"
          className="primary"
          disabled={!writable || saveState === "saved" || saveState === "saving" || viewing}
          onClick={() => dialog.current?.showModal()}
          title="Ctrl+S"
        >
          {t("topbar.save")}
        </button>
        <button
          type="button"
          onClick={() => setDeploying(true)}
          disabled={!can("deploy") || viewing}
          title={can("deploy") ? "" : t("topbar.cannotDeploy")}
        >
          {t("topbar.deploy")}
        </button>
        <LanguageSwitcher />
        <UserMenu />
      </header>
      <ConflictBanner />
      <dialog ref={dialog} aria-labelledby="save-title">
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <h2 id="save-title">{t("save.title")}</h2>
          <label>
            {t("save.message")}
            <input
              value={message}
              onChange={(e) => setMessage(e.target.value)}
              placeholder={t("save.placeholder")}
            />
          </label>
          <div className="dialog-actions">
            <button type="button" onClick={() => dialog.current?.close()}>
              {t("app.cancel")}
            </button>
            <button type="submit" className="primary" disabled={saveState === "saving"}>
              {t("save.confirm")}
            </button>
          </div>
        </form>
      </dialog>
      {deploying && <DeployDialog open={deploying} onClose={() => setDeploying(false)} />}
    </>
  );
}
