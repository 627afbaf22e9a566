// Fails when the API types in src/api/schema.ts are not what the OpenAPI document gives now.
import { readFileSync, rmSync } from "node:fs";

const [kept, fresh] = process.argv.slice(2);
const same = readFileSync(kept, "utf8") === readFileSync(fresh, "utf8");
rmSync(fresh);
if (!same) {
  console.error(`${kept} is stale: the OpenAPI document changed. Run: npm run api (in web/)`);
  process.exit(1);
}
