import { describe, expect, it } from "vitest";
import { path } from "./client";

describe("API paths", () => {
  it("encode a part whole, a slash in it too", () => {
    expect(path("/api/flows/{id}", "a b/c")).toBe("/api/flows/a%20b%2Fc");
    expect(path("/api/flows/{id}/revisions/{n}", "x", 3)).toBe("/api/flows/x/revisions/3");
  });

  it("keep the slashes of a prompt id, each segment encoded", () => {
    expect(path("/api/prompt-audio/{language}/{+id}", "zh-CN", "menu/main")).toBe(
      "/api/prompt-audio/zh-CN/menu/main",
    );
    expect(path("/api/prompts/{+id}", "a b/c?d#e/菜单")).toBe(
      "/api/prompts/a%20b/c%3Fd%23e/%E8%8F%9C%E5%8D%95",
    );
  });
});
