import { describe, expect, it } from "vitest";
import en from "./locales/en.json";
import zh from "./locales/zh-CN.json";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe("the UI texts", () => {
  it("has every English text in Chinese too (step names may come from the schema in English)", () => {
    const chinese = new Set(keys(zh));
    expect(keys(en).filter((k) => !chinese.has(k))).toEqual([]);
  });
});
