// The typed client's types, made by openapi-typescript from the API's OpenAPI document. Shared by
// scripts/openapi.ts (writes them) and test/openapi.test.ts (fails when the checked-in file is stale).
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

/** Where the generated types are checked in. */
export const clientSchemaPath = fileURLToPath(new URL("../src/client/schema.ts", import.meta.url));

const header = `// Generated from GET /openapi.json by \`pnpm --filter @amstaff/server openapi\` (openapi-typescript).
// Do not edit: change the routes in src/http/routes, then run the script again.
`;

/** The TypeScript types of an OpenAPI document: `paths`, `components` and `operations`. */
export async function clientSchemaOf(document: unknown): Promise<string> {
  const ast = await openapiTS(JSON.stringify(document));
  return header + astToString(ast);
}
