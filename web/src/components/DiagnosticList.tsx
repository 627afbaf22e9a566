import { useTranslation } from "react-i18next";
import type { Diagnostic } from "../api/types";
import { whereOf } from "../flowlist";

/** Diagnostics as a plain list: severity, where (file:line:col or the step), code, message. */
export function DiagnosticList({
  diagnostics,
  label,
}: {
  diagnostics: readonly Diagnostic[];
  label?: string;
}) {
  const { t } = useTranslation();
  if (!diagnostics.length) return null;
  return (
    <ul className="diagnostic-list" aria-label={label ?? t("diagnosticList.label")}>
      {diagnostics.map((d, i) => {
        const where = whereOf(d);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: diagnostics have no id, and repeat
          <li key={i} className={d.severity}>
            <span className={`pill ${d.severity}`}>{t(`diagnosticList.${d.severity}`)}</span>{" "}
            {where && <code className="where">{where}</code>} <code>{d.code}</code> {d.message}
          </li>
        );
      })}
    </ul>
  );
}
