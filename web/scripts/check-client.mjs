// Fails when src/api/schema.d.ts is not what openapi-typescript makes of openapi.json
// (the client is generated, never edited: `make client` regenerates both).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "samplemind-client-"));
try {
  const fresh = join(dir, "schema.d.ts");
  execFileSync("npx", ["openapi-typescript", "openapi.json", "-o", fresh], { stdio: "ignore" });
  if (readFileSync(fresh, "utf8") !== readFileSync("src/api/schema.d.ts", "utf8")) {
    console.error("web/src/api/schema.d.ts is stale: run `make client`");
    process.exit(1);
  }
  console.log("client is current with openapi.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
