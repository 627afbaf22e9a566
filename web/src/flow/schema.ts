/** What the flow schema says about steps: their types, fields, exits and defaults. The schema is
 * the server's (sce/schema/flow.schema.json); the designer reads it and adds no rule of its own. */
import flowSchema from "../../../sce/schema/flow.schema.json";
import type { StepDoc } from "./types";

export interface JsonSchema {
  $ref?: string;
  title?: string;
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  examples?: unknown[];
  [keyword: string]: unknown;
}

const root = flowSchema as unknown as JsonSchema & { $defs: Record<string, JsonSchema> };
export const DEFS = root.$defs;
export const FLOW_SCHEMA: JsonSchema = root;
const NODE_ID = "#/$defs/nodeId";

/** Every node type, in the schema's order (the palette's order). */
export const STEP_TYPES: string[] = (DEFS.node?.properties?.type?.enum ?? []) as string[];

/** A schema with its `$ref` followed; the referring schema's title and description win. */
export function resolve(schema: JsonSchema): JsonSchema {
  let current = schema;
  const seen = new Set<string>();
  while (current.$ref && !seen.has(current.$ref)) {
    seen.add(current.$ref);
    const target = lookup(current.$ref);
    const { $ref: _ref, ...rest } = current;
    current = { ...target, ...rest };
  }
  return current;
}

function lookup(ref: string): JsonSchema {
  let at: unknown = root;
  for (const part of ref.replace(/^#\//, "").split("/")) {
    at = (at as Record<string, unknown>)[part];
  }
  return (at ?? {}) as JsonSchema;
}

export function isNodeRef(schema: JsonSchema | undefined): boolean {
  return schema?.$ref === NODE_ID;
}

export function stepSchema(type: string): JsonSchema | undefined {
  return DEFS[type];
}

export function typeTitle(type: string): string {
  return stepSchema(type)?.title ?? type;
}

export function typeDescription(type: string): string {
  return stepSchema(type)?.description ?? "";
}

/** One exit of a step: a handle on the canvas. */
export interface Exit {
  /** The handle's id: the field (`next`), or the list item (`choices.0`). */
  handle: string;
  field: string;
  index?: number;
  /** What the handle says: the field's name, or the menu key, or the condition. */
  label: string;
  /** The step it leads to, when it is connected. */
  target?: string;
  /** Whether the schema requires the exit (a choice without `next` is a broken choice). */
  required: boolean;
}

/** The exits of a step, in the schema's order: a field holding a node id, or a node id in each
 * item of a list (a menu's choices, a branch's cases). */
export function exitsOf(step: StepDoc): Exit[] {
  const schema = stepSchema(step.type);
  if (!schema?.properties) return [];
  const out: Exit[] = [];
  for (const [field, prop] of Object.entries(schema.properties)) {
    if (isNodeRef(prop)) {
      const target = step[field];
      out.push({
        handle: field,
        field,
        label: field,
        target: typeof target === "string" && target ? target : undefined,
        required: false,
      });
      continue;
    }
    const item = prop.type === "array" && prop.items ? resolve(prop.items) : undefined;
    const sub = item?.properties
      ? Object.entries(item.properties).find(([, p]) => isNodeRef(p))?.[0]
      : undefined;
    if (!item || !sub) continue;
    const list = Array.isArray(step[field]) ? (step[field] as Record<string, unknown>[]) : [];
    list.forEach((entry, index) => {
      const target = entry?.[sub];
      out.push({
        handle: `${field}.${index}`,
        field,
        index,
        label: itemLabel(field, entry),
        target: typeof target === "string" && target ? target : undefined,
        required: (item.required ?? []).includes(sub),
      });
    });
  }
  return out;
}

function itemLabel(field: string, entry: Record<string, unknown> | undefined): string {
  if (!entry) return field;
  if (typeof entry.key === "string") return entry.key;
  if (typeof entry.when === "string") return entry.when;
  return field;
}

/** A new step of `type` with what the schema requires filled in (texts empty, for the author to
 * write: the linter says what is still missing). */
export function newStep(type: string, languages: string[]): StepDoc {
  const schema = stepSchema(type);
  const step: StepDoc = { type };
  for (const field of schema?.required ?? []) {
    if (field === "type") continue;
    const prop = resolve(schema?.properties?.[field] ?? {});
    step[field] = starting(prop, languages);
  }
  return step;
}

function starting(prop: JsonSchema, languages: string[]): unknown {
  if (prop.title === "Prompt" || prop.properties?.text) {
    return { text: Object.fromEntries(languages.map((l) => [l, ""])) };
  }
  if (prop.default !== undefined) return prop.default;
  if (prop.pattern?.includes("a-zA-Z]{2,3}") && languages[0]) return languages[0];
  const type = Array.isArray(prop.type) ? prop.type[0] : prop.type;
  switch (type) {
    case "object":
      return {};
    case "array":
      return [];
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    default:
      return "";
  }
}

/** The words a caller hears first at a step, in the first language that has any. */
export function firstWords(step: StepDoc, languages: string[]): string {
  const prompt = step.prompt as { text?: Record<string, string> } | undefined;
  const texts = prompt?.text ?? {};
  for (const language of [...languages, ...Object.keys(texts)]) {
    const text = texts[language];
    if (text) return text;
  }
  return "";
}
