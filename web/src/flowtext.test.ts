import { describe, expect, it } from "vitest";
import { ApiError } from "./api/client";
import { offsetOf, problemsOf } from "./flowtext";

describe("a place in the flow text", () => {
  const text = 'flow x {\n  title = "欢迎 😀 hi"\n}\n';

  it("is found by line and column", () => {
    expect(offsetOf(text, 1, 1)).toBe(0);
    expect(offsetOf(text, 2, 3)).toBe(11);
    expect(text.slice(offsetOf(text, 3, 1))).toBe("}\n");
  });

  it("counts a character beyond the BMP as one column, as the server does", () => {
    // 欢 迎 space 😀 space: the "h" is column 17 on line 2.
    const at = offsetOf(text, 2, 17);
    expect(text.slice(at, at + 2)).toBe("hi");
  });

  it("stays within the text", () => {
    expect(offsetOf(text, 99, 1)).toBe(text.length);
    expect(offsetOf(text, 0, 0)).toBe(0);
    expect(offsetOf(text, 1, 999)).toBe("flow x {".length);
  });
});

describe("the problems of an answer", () => {
  it("are its findings that have a line", () => {
    const error = new ApiError(
      422,
      {
        ok: false,
        status: 422,
        errors: [
          { message: "the text is not a flow document: 1 error" },
          {
            code: "SCE001",
            name: "syntax-error",
            severity: "error",
            message: "expected a value after '='",
            path: "x.flow",
            line: 7,
            column: 1,
            end_line: null,
            end_column: null,
            pointer: "",
            node: null,
          },
        ],
      },
      "422",
    );
    expect(problemsOf(error)).toEqual([
      { message: "expected a value after '='", line: 7, column: 1 },
    ]);
  });

  it("are its messages when nothing has a place", () => {
    const error = new ApiError(
      400,
      { ok: false, status: 400, errors: [{ message: "/to is missing" }] },
      "400",
    );
    expect(problemsOf(error)).toEqual([{ message: "/to is missing", line: null, column: null }]);
    expect(problemsOf(new Error("offline"))).toEqual([
      { message: "offline", line: null, column: null },
    ]);
  });
});
