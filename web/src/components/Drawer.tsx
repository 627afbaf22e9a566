import type React from "react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { type DrawerTab, setDrawer, useStore } from "../store";
import { HistoryPanel } from "./HistoryPanel";
import { ProblemsList } from "./ProblemsList";
import { TestCallPanel } from "./TestCallPanel";
import { TextView } from "./TextView";

const TABS: DrawerTab[] = ["problems", "text", "test", "history"];
const PANELS: Record<DrawerTab, React.ReactNode> = {
  problems: <ProblemsList />,
  text: <TextView />,
  test: <TestCallPanel />,
  history: <HistoryPanel />,
};

/** The bottom drawer: Problems, Text (DSL), Test call, History. */
export function Drawer() {
  const { t } = useTranslation();
  const tab = useStore((s) => s.drawer);
  const problems = useStore((s) => s.diagnostics.length);
  const [open, setOpen] = useState(true);
  return (
    <section className={`drawer ${open ? "" : "closed"}`} aria-label={t("drawer.label")}>
      <div role="tablist" className="tabs" aria-label={t("drawer.label")}>
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`panel-${name}`}
            onClick={() => {
              setDrawer(name);
              setOpen(true);
            }}
          >
            {t(`drawer.${name}`)}
            {name === "problems" && problems > 0 && <span className="count">{problems}</span>}
          </button>
        ))}
        <span className="spacer" />
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? t("drawer.hide") : t("drawer.show")}
        </button>
      </div>
      {TABS.map((name) => (
        // Every panel stays mounted, so a test call or a text being edited survives a tab switch.
        <div
          key={name}
          role="tabpanel"
          id={`panel-${name}`}
          aria-labelledby={`tab-${name}`}
          className="drawer-panel"
          hidden={tab !== name || !open}
        >
          {PANELS[name]}
        </div>
      ))}
    </section>
  );
}
