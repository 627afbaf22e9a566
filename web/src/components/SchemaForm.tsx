import { useId } from "react";
import { useTranslation } from "react-i18next";
import { isNodeRef, type JsonSchema, resolve } from "../flow/schema";
import { schemaText } from "../schemaText";
import { ExpressionField } from "./ExpressionField";
import { PromptField } from "./PromptField";

/** What every field of a form needs: the steps an exit may lead to, the flow's languages, and a
 * key that groups a burst of keystrokes in one field into one undo step. */
export interface FormContext {
  steps: string[];
  languages: string[];
  readOnly: boolean;
}

interface FieldProps {
  name: string;
  schema: JsonSchema;
  value: unknown;
  onChange: (value: unknown, key: string) => void;
  context: FormContext;
  required?: boolean;
}

const EXPRESSION = "#/$defs/expression";
const TEMPLATE = "#/$defs/template";

function kindOf(schema: JsonSchema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  return type;
}

/** The fields of an object schema, one control each, from the schema alone. */
export function SchemaFields({
  schema,
  value,
  onChange,
  context,
  skip = [],
  path = "",
}: {
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange: (value: Record<string, unknown>, key: string) => void;
  context: FormContext;
  skip?: string[];
  path?: string;
}) {
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {})
        .filter(([name]) => !skip.includes(name))
        .map(([name, prop]) => (
          <SchemaField
            key={name}
            name={`${path}/${name}`}
            schema={prop}
            value={value[name]}
            required={required.has(name)}
            context={context}
            onChange={(v, key) => {
              const { [name]: _old, ...rest } = value;
              onChange(v === undefined ? rest : { ...value, [name]: v }, key);
            }}
          />
        ))}
    </>
  );
}

export function SchemaField({ name, schema: raw, value, onChange, context, required }: FieldProps) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const schema = resolve(raw);
  const title = schema.title
    ? schemaText(schema.title, i18n.language)
    : (name.split("/").pop() ?? name);
  const help = schema.description && schemaText(schema.description, i18n.language);
  const key = `field:${name}`;
  const set = (v: unknown) => onChange(v, key);
  const labelled = (control: React.ReactNode) => (
    <div className="field">
      <label htmlFor={id}>
        {title}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      {control}
      {help && <span className="help">{help}</span>}
    </div>
  );

  if (isNodeRef(raw)) {
    return labelled(
      <select
        id={id}
        value={typeof value === "string" ? value : ""}
        disabled={context.readOnly}
        onChange={(e) => set(e.target.value || undefined)}
      >
        <option value="">{t("properties.notConnected")}</option>
        {context.steps.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
        {typeof value === "string" && value && !context.steps.includes(value) && (
          <option value={value}>{t("properties.missingStep", { id: value })}</option>
        )}
      </select>,
    );
  }
  if (schema.properties?.text && schema.properties.audio) {
    return (
      <PromptField
        title={title}
        help={help}
        value={value as { audio?: string; text?: Record<string, string> } | undefined}
        languages={context.languages}
        readOnly={context.readOnly}
        onChange={(v) => onChange(v, key)}
        name={name}
      />
    );
  }
  if (raw.$ref === EXPRESSION || raw.$ref === TEMPLATE) {
    return (
      <ExpressionField
        label={title}
        help={help}
        kind={raw.$ref === EXPRESSION ? "expression" : "template"}
        value={typeof value === "string" ? value : ""}
        readOnly={context.readOnly}
        onChange={(v) => set(v === "" && !required ? undefined : v)}
      />
    );
  }
  if (schema.enum) {
    return labelled(
      <select
        id={id}
        value={value === undefined ? "" : String(value)}
        disabled={context.readOnly}
        onChange={(e) => set(e.target.value === "" ? undefined : e.target.value)}
      >
        <option value="">
          {schema.default !== undefined
            ? t("properties.default", { value: String(schema.default) })
            : "—"}
        </option>
        {schema.enum.map((option) => (
          <option key={String(option)} value={String(option)}>
            {String(option)}
          </option>
        ))}
      </select>,
    );
  }
  const kind = kindOf(schema);
  if (kind === "boolean") {
    const checked = typeof value === "boolean" ? value : schema.default === true;
    return (
      <div className="field">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={checked}
            disabled={context.readOnly}
            onChange={(e) => set(e.target.checked)}
          />
          {title}
        </label>
        {help && <span className="help">{help}</span>}
      </div>
    );
  }
  if (kind === "number" || kind === "integer") {
    return labelled(
      <input
        id={id}
        type="number"
        value={typeof value === "number" ? value : ""}
        placeholder={schema.default !== undefined ? String(schema.default) : ""}
        min={schema.minimum}
        max={schema.maximum}
        step={kind === "integer" ? 1 : "any"}
        readOnly={context.readOnly}
        onChange={(e) => set(e.target.value === "" ? undefined : Number(e.target.value))}
      />,
    );
  }
  if (kind === "array") {
    const item = resolve(schema.items ?? {});
    const list = Array.isArray(value) ? value : [];
    if (kindOf(item) === "string" && !item.properties && !isNodeRef(schema.items)) {
      return labelled(
        <input
          id={id}
          value={list.join(", ")}
          readOnly={context.readOnly}
          placeholder={t("properties.commaList")}
          onChange={(e) => {
            const parts = e.target.value.split(",").map((s) => s.trim());
            const kept = parts.filter((s, i) => s || i === parts.length - 1);
            set(kept.length === 1 && !kept[0] ? undefined : kept);
          }}
        />,
      );
    }
    return (
      <ListField
        name={name}
        title={title}
        help={help}
        item={schema.items ?? {}}
        list={list}
        context={context}
        onChange={onChange}
      />
    );
  }
  if (kind === "object" && schema.properties) {
    const object = (value ?? {}) as Record<string, unknown>;
    return (
      <fieldset className="fieldset">
        <legend>{title}</legend>
        {help && <span className="help">{help}</span>}
        <SchemaFields
          schema={schema}
          value={object}
          context={context}
          path={name}
          onChange={(v, k) => onChange(Object.keys(v).length ? v : undefined, k)}
        />
      </fieldset>
    );
  }
  if (kind === "object" || (kind === undefined && schema.additionalProperties)) {
    return (
      <MapField
        name={name}
        title={title}
        help={help}
        value={(value ?? {}) as Record<string, unknown>}
        item={typeof schema.additionalProperties === "object" ? schema.additionalProperties : {}}
        context={context}
        onChange={onChange}
      />
    );
  }
  if (kind === undefined) {
    // Any JSON value (a variable's starting value): typed as JSON text.
    return labelled(
      <input
        id={id}
        value={value === undefined ? "" : JSON.stringify(value)}
        readOnly={context.readOnly}
        onChange={(e) => {
          const text = e.target.value;
          if (!text) return set(undefined);
          try {
            set(JSON.parse(text));
          } catch {
            set(text);
          }
        }}
      />,
    );
  }
  const long = name.endsWith("/description");
  return labelled(
    long ? (
      <textarea
        id={id}
        value={typeof value === "string" ? value : ""}
        readOnly={context.readOnly}
        onChange={(e) => set(e.target.value || undefined)}
      />
    ) : (
      <input
        id={id}
        value={typeof value === "string" ? value : ""}
        placeholder={
          schema.default !== undefined && schema.default !== null ? String(schema.default) : ""
        }
        readOnly={context.readOnly}
        onChange={(e) => set(e.target.value === "" && !required ? undefined : e.target.value)}
      />
    ),
  );
}

function ListField({
  name,
  title,
  help,
  item,
  list,
  context,
  onChange,
}: {
  name: string;
  title: string;
  help?: string;
  item: JsonSchema;
  list: unknown[];
  context: FormContext;
  onChange: (value: unknown, key: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const itemSchema = resolve(item);
  const itemTitle = itemSchema.title ? schemaText(itemSchema.title, i18n.language) : title;
  const put = (next: unknown[]) => onChange(next.length ? next : undefined, `list:${name}`);
  return (
    <fieldset className="fieldset">
      <legend>{title}</legend>
      {help && <span className="help">{help}</span>}
      {list.map((entry, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: list items have no identity but their place
        <div key={index} className="fieldset list-item">
          <div className="row">
            <strong>
              {itemTitle} {index + 1}
            </strong>
            {!context.readOnly && (
              <>
                <button
                  type="button"
                  disabled={index === 0}
                  aria-label={t("properties.moveUp", { n: index + 1 })}
                  onClick={() => put(swap(list, index, index - 1))}
                >
                  ↑
                </button>
                <button
                  type="button"
                  aria-label={t("properties.remove", {
                    what: `${itemTitle} ${index + 1}`,
                  })}
                  onClick={() => put(list.filter((_, i) => i !== index))}
                >
                  ×
                </button>
              </>
            )}
          </div>
          {itemSchema.properties ? (
            <SchemaFields
              schema={itemSchema}
              value={(entry ?? {}) as Record<string, unknown>}
              context={context}
              path={`${name}/${index}`}
              onChange={(v, k) =>
                onChange(
                  list.map((e, i) => (i === index ? v : e)),
                  k,
                )
              }
            />
          ) : (
            <SchemaField
              name={`${name}/${index}`}
              schema={item}
              value={entry}
              context={context}
              onChange={(v, k) =>
                onChange(
                  list.map((e, i) => (i === index ? v : e)),
                  k,
                )
              }
            />
          )}
        </div>
      ))}
      {!context.readOnly && (
        <button type="button" onClick={() => put([...list, itemSchema.properties ? {} : ""])}>
          {t("properties.add", { what: itemTitle })}
        </button>
      )}
    </fieldset>
  );
}

function swap<T>(list: T[], a: number, b: number): T[] {
  const out = [...list];
  const x = out[a] as T;
  out[a] = out[b] as T;
  out[b] = x;
  return out;
}

function MapField({
  name,
  title,
  help,
  value,
  item,
  context,
  onChange,
}: {
  name: string;
  title: string;
  help?: string;
  value: Record<string, unknown>;
  item: JsonSchema;
  context: FormContext;
  onChange: (value: unknown, key: string) => void;
}) {
  const { t } = useTranslation();
  const entries = Object.entries(value);
  const put = (next: [string, unknown][]) =>
    onChange(next.length ? Object.fromEntries(next) : undefined, `map:${name}`);
  return (
    <fieldset className="fieldset">
      <legend>{title}</legend>
      {help && <span className="help">{help}</span>}
      {entries.map(([k, v], index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a key being renamed keeps its row
        <div key={index} className="map-row">
          <div className="row">
            <input
              aria-label={t("properties.name", { n: index + 1 })}
              value={k}
              readOnly={context.readOnly}
              onChange={(e) =>
                put(entries.map((entry, i) => (i === index ? [e.target.value, entry[1]] : entry)))
              }
            />
            {!context.readOnly && (
              <button
                type="button"
                aria-label={t("properties.remove", { what: k || String(index + 1) })}
                onClick={() => put(entries.filter((_, i) => i !== index))}
              >
                ×
              </button>
            )}
          </div>
          <SchemaField
            name={`${name}/${k}`}
            schema={{ ...item, title: item.title ?? t("properties.value") }}
            value={v}
            context={context}
            onChange={(nv, key) => onChange({ ...value, [k]: nv }, key)}
          />
        </div>
      ))}
      {!context.readOnly && (
        <button type="button" onClick={() => put([...entries, [freeKey(value), ""]])}>
          {t("properties.add", { what: t("properties.entry") })}
        </button>
      )}
    </fieldset>
  );
}

function freeKey(value: Record<string, unknown>): string {
  for (let n = 1; ; n++) if (!(`name_${n}` in value)) return `name_${n}`;
}
