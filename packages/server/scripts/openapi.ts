// Regenerates src/client/schema.ts from the live contract: starts a node (a temporary data directory, a
// free port), reads its GET /openapi.json and writes the types of it. Run it after changing a route:
//   npx -y pnpm@12.21.0 --filter @amstaff/server run openapi
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../src/server.js";
import { clientSchemaOf, clientSchemaPath } from "./clientSchema.js";

const dataDir = mkdtempSync(join(tmpdir(), "amstaff-openapi-"));
try {
  const server = await startServer({ dataDir, port: 0, logger: "silent" });
  try {
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    writeFileSync(clientSchemaPath, await clientSchemaOf(document));
    process.stdout.write(`wrote ${clientSchemaPath}\n`);
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
