/** The flow schema's titles and descriptions in the UI language. The schema's own English stays
 * the source: one schema (sce/schema/flow.schema.json) is shown to the linter, the CLI and the
 * designer, and docs/reference.md is generated from it, so the translations live beside the UI's
 * (locales/schema.zh-CN.json), keyed by the English text, and schemaText.test.ts keeps the two in
 * step. */
import zh from "./locales/schema.zh-CN.json";

const CHINESE: ReadonlyMap<string, string> = new Map(Object.entries(zh));

/** `text`, a title or description of the schema, as shown in `language` (such as `zh-CN`): the
 * Chinese when the language is Chinese and the table has the text, else the English unchanged. */
export function schemaText(text: string, language: string): string {
  if (!language.startsWith("zh")) return text;
  return CHINESE.get(text) || text;
}
