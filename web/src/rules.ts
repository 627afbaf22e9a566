/** The linter's rules and their documentation, asked of the server once per page. */
import { get } from "./api/client";

export interface RuleDoc {
  code: string;
  name: string;
  severity: string;
  summary: string;
  doc?: string;
}

let asked: Promise<Map<string, RuleDoc>> | null = null;

export function ruleDocs(): Promise<Map<string, RuleDoc>> {
  asked ??= get<{ rules: RuleDoc[] }>("/api/rules").then(
    (answer) => new Map(answer.rules.map((r) => [r.code, r])),
  );
  asked.catch(() => {
    asked = null;
  });
  return asked;
}
