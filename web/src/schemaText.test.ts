import { describe, expect, it } from "vitest";
import flowSchema from "../../sce/schema/flow.schema.json";
import zh from "./locales/schema.zh-CN.json";
import { schemaText } from "./schemaText";

const TABLE: Record<string, string> = zh;

/** Every `title` and `description` string anywhere in the schema, $defs and examples included
 * (a property *named* `title` holds a schema, not a string, and is walked into instead). */
function schemaTexts(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) schemaTexts(item, found);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if ((key === "title" || key === "description") && typeof item === "string") found.add(item);
      else schemaTexts(item, found);
    }
  }
  return found;
}

const TEXTS = schemaTexts(flowSchema);

/** What must come through translation as it is: `code` spans and {placeholders}. */
function kept(text: string): string[] {
  return [...text.matchAll(/`[^`]*`|\{[A-Za-z_][A-Za-z0-9_]*\}/g)].map((m) => m[0]);
}

describe("the schema's texts in Chinese", () => {
  it("finds the schema's texts", () => {
    expect(TEXTS.size).toBeGreaterThan(100);
    expect(TEXTS).toContain("Prompt");
  });

  it("translates every title and description of the schema", () => {
    const missing = [...TEXTS].filter((text) => !TABLE[text]?.trim()).sort();
    expect(missing, "add these to web/src/locales/schema.zh-CN.json").toEqual([]);
  });

  it("keeps no translation of a text the schema no longer has", () => {
    const stale = Object.keys(TABLE).filter((text) => !TEXTS.has(text));
    expect(stale, "remove these from web/src/locales/schema.zh-CN.json").toEqual([]);
  });

  it("keeps code, examples and placeholders as they are", () => {
    const lost = Object.entries(TABLE).flatMap(([english, chinese]) =>
      kept(english)
        .filter((span) => !chinese.includes(span))
        .map((span) => `${span} in: ${english}`),
    );
    expect(lost).toEqual([]);
  });

  it("keeps its keys sorted", () => {
    const keys = Object.keys(TABLE);
    expect(keys).toEqual([...keys].sort());
  });

  it("answers in the UI language", () => {
    expect(schemaText("Prompt", "zh-CN")).toMatch(/\p{Script=Han}/u);
    expect(schemaText("Prompt", "zh-CN")).toBe(TABLE.Prompt);
    expect(schemaText("Prompt", "en")).toBe("Prompt");
    expect(schemaText("Not in the schema", "zh-CN")).toBe("Not in the schema");
    expect(schemaText("toString", "zh-CN")).toBe("toString");
  });
});
