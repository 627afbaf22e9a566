import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import * as edit from "../flow/edit";
import { FLOW_SCHEMA, stepSchema } from "../flow/schema";
import { COLOURS, type FlowDoc, type StepDoc } from "../flow/types";
import { schemaText } from "../schemaText";
import { can, change, select, useStore } from "../store";
import { stepTitle } from "../words";
import { type FormContext, SchemaFields } from "./SchemaForm";
import { StepIcon } from "./StepIcon";

const STEP_SKIP = ["type", "ui", "title"];
const FLOW_SKIP = ["$schema", "flow", "nodes", "ui"];

/** The right-hand panel: the selected step's fields, generated from the schema with its help
 * texts; the flow's own fields when nothing is selected. */
export function PropertiesPanel() {
  const { t } = useTranslation();
  const selected = useStore((s) => s.selected);
  const doc = useStore((s) => s.viewing?.doc ?? s.doc);
  const viewing = useStore((s) => s.viewing !== null);
  if (!doc) return <aside className="side right" aria-label={t("properties.label")} />;
  const readOnly = viewing || !can("write");
  const context: FormContext = {
    steps: Object.keys(doc.nodes ?? {}),
    languages: edit.languages(doc),
    readOnly,
  };
  const ids = [...selected].filter((id) => id !== edit.START);
  const only = ids.length === 1 ? ids[0] : undefined;
  const step = only ? doc.nodes?.[only] : undefined;
  const note = only ? doc.ui?.notes?.find((n) => n.id === only) : undefined;

  return (
    <aside className="side right properties" aria-label={t("properties.label")}>
      {step && only ? (
        <StepProperties key={only} id={only} step={step} context={context} />
      ) : note ? (
        <>
          <h2>{t("properties.note")}</h2>
          <ColourPicker ids={[note.id]} value={note.color ?? "yellow"} readOnly={readOnly} />
        </>
      ) : ids.length > 1 ? (
        <>
          <h2>{t("properties.many", { count: ids.length })}</h2>
          <ColourPicker ids={ids} value="none" readOnly={readOnly} />
          <p className="muted">{t("properties.manyHelp")}</p>
        </>
      ) : (
        <FlowProperties doc={doc} context={context} />
      )}
    </aside>
  );
}

function StepProperties({
  id,
  step,
  context,
}: {
  id: string;
  step: StepDoc;
  context: FormContext;
}) {
  const { t, i18n } = useTranslation();
  const schema = stepSchema(step.type);
  const diagnostics = useStore((s) => s.diagnostics);
  const problems = diagnostics.filter((d) => d.node === id);
  return (
    <>
      <header className="properties-head">
        <StepIcon type={step.type} />
        <div>
          <h2>{stepTitle(t, step.type)}</h2>
          {schema?.description && (
            <p className="help">{schemaText(schema.description, i18n.language)}</p>
          )}
        </div>
      </header>
      <StepIdField id={id} readOnly={context.readOnly} />
      <div className="field">
        <label htmlFor="step-title">{t("properties.title")}</label>
        <input
          id="step-title"
          value={step.title ?? ""}
          readOnly={context.readOnly}
          onChange={(e) => {
            const { title: _old, ...rest } = step;
            const next = e.target.value ? { ...rest, title: e.target.value } : (rest as StepDoc);
            change((d) => edit.replaceStep(d, id, next), `title:${id}`);
          }}
        />
      </div>
      <ColourPicker
        ids={[id]}
        value={typeof step.ui?.color === "string" ? step.ui.color : "none"}
        readOnly={context.readOnly}
      />
      {problems.length > 0 && (
        <ul className="step-problems" aria-label={t("properties.problems")}>
          {problems.map((d) => (
            <li key={`${d.code}:${d.pointer}:${d.message}`} className={d.severity}>
              <span className={`pill ${d.severity}`}>{d.code}</span> {d.message}
            </li>
          ))}
        </ul>
      )}
      {schema && (
        <SchemaFields
          schema={schema}
          value={step}
          skip={STEP_SKIP}
          context={context}
          path={`/nodes/${id}`}
          onChange={(value, key) => change((d) => edit.replaceStep(d, id, value as StepDoc), key)}
        />
      )}
    </>
  );
}

/** The step's id, which exits name: renaming it rewires every exit that leads to it. */
function StepIdField({ id, readOnly }: { id: string; readOnly: boolean }) {
  const { t } = useTranslation();
  const [text, setText] = useState(id);
  const taken = useStore((s) => text !== id && text in (s.doc?.nodes ?? {}));
  useEffect(() => setText(id), [id]);
  const valid = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(text);
  const problem = !valid
    ? t("properties.badId")
    : taken
      ? t("properties.takenId", { id: text })
      : "";
  const apply = () => {
    if (problem || text === id) return;
    change((d) => edit.rename(d, id, text));
    select([text]); // the renamed step stays the one being edited
  };
  return (
    <div className="field">
      <label htmlFor="step-id">{t("properties.id")}</label>
      <input
        id="step-id"
        className="mono"
        value={text}
        readOnly={readOnly}
        aria-invalid={problem ? true : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === "Enter") apply();
        }}
      />
      {problem ? (
        <span className="field-error">{problem}</span>
      ) : (
        <span className="help">{t("properties.idHelp")}</span>
      )}
    </div>
  );
}

function ColourPicker({
  ids,
  value,
  readOnly,
}: {
  ids: string[];
  value: string;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  return (
    <div className="field">
      <label htmlFor="colour">{t("properties.colour")}</label>
      <select
        id="colour"
        value={value}
        disabled={readOnly}
        onChange={(e) => change((d) => edit.colour(d, ids, e.target.value))}
      >
        {COLOURS.map((c) => (
          <option key={c} value={c}>
            {t(`colours.${c}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

function FlowProperties({ doc, context }: { doc: FlowDoc; context: FormContext }) {
  const { t } = useTranslation();
  return (
    <>
      <h2>{t("properties.flow")}</h2>
      <p className="help">{t("properties.flowHelp")}</p>
      <SchemaFields
        schema={FLOW_SCHEMA}
        value={doc}
        skip={FLOW_SKIP}
        context={context}
        onChange={(value, key) => change(() => value as FlowDoc, key)}
      />
    </>
  );
}
