import { AmstaffError } from "@amstaff/core";
import { createRoute, z } from "@hono/zod-openapi";
import { requireRole } from "../../access/access.js";
import { exportedState, exportedStateSchema } from "../../state/import.js";
import { endpointMatched } from "../auth.js";
import { limitBody, readJson } from "../body.js";
import { bodyReadByHandler, errors, invalidInput, json } from "../contract.js";
import type { ApiApp, HttpApiDeps } from "../deps.js";
import { actorOf } from "../writes.js";

/** What an export file says it is: `format` never changes, `version` changes with its shape. */
export const exportFormat = "amstaff-export";

/** The version of the export format this server writes and reads. */
export const exportVersion = 1;

/** The path of the import, which reads its body under {@link maxImportBytes} instead of the API's limit. */
export const importPath = "/import";

/**
 * The largest import body: 48 MiB. The whole state travels as one log command, and a Raft message
 * carrying it (as a follower's forwarded proposal, and as the leader's AppendEntries) must stay under
 * the 64 MiB frame and internal-request limits with room for their envelopes.
 */
export const maxImportBytes = 48 * 1024 * 1024;

/**
 * An export file, version 1: the whole state of a cluster but what belongs to the cluster itself (its
 * id, members and ownership grants), with where and when it was written.
 */
export const exportDocumentSchema = z
  .object({
    format: z.literal(exportFormat),
    version: z.literal(exportVersion),
    /** When the export was read, ISO 8601. */
    exportedAt: z.iso.datetime({ offset: true }),
    source: z.object({
      /** The id of the cluster it was exported from. */
      clusterId: z.string().optional(),
      /** The server version that exported it. */
      version: z.string(),
    }),
    state: exportedStateSchema,
  })
  .openapi("Export");

/** An export file. */
export type ExportDocument = z.output<typeof exportDocumentSchema>;

const exportRoute = createRoute({
  method: "get",
  path: "/export",
  tags: ["export"],
  summary: "The whole state, as a file `POST /import` reads on another cluster (admin tokens)",
  responses: { 200: json(exportDocumentSchema, "The export"), ...errors(401, 403, 503) },
});

const importRoute = createRoute({
  method: "post",
  path: importPath,
  tags: ["export"],
  summary:
    "Import an export into this cluster: refused unless it has no modules, or ?replace=true (admin tokens)",
  request: {
    query: z.object({
      replace: z
        .string()
        .optional()
        .openapi({ description: "`true`: replace this cluster's whole state, modules included" }),
    }),
    body: { content: { "application/json": { schema: exportDocumentSchema } }, required: true },
  },
  responses: {
    200: json(
      z.object({
        modules: z.number().int(),
        replaced: z.boolean(),
        source: exportDocumentSchema.shape.source,
      }),
      "Imported",
    ),
    ...errors(400, 401, 403, 409, 413, 503),
  },
});

/** Reads an export file, or throws the 400 that says what is wrong with it. */
function parseExport(raw: unknown): ExportDocument {
  const head = z.looseObject({ format: z.literal(exportFormat), version: z.unknown() }).safeParse(raw);
  if (!head.success) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `This is not an Amstaff export (one starts {"format": "${exportFormat}", "version": ${exportVersion}, ...}): send a file \`amstaff export\` wrote.`,
    );
  }
  if (head.data.version !== exportVersion) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `Export format version ${JSON.stringify(head.data.version)} is not one this server reads (version ${exportVersion}): import it into a server of the version that exported it, or one newer.`,
    );
  }
  const parsed = exportDocumentSchema.safeParse(raw);
  if (!parsed.success) throw invalidInput("export", parsed.error, "The file is damaged: export it again.");
  return parsed.data;
}

/**
 * `GET /export` and `POST /import` (admin tokens): moving a cluster's whole state to another cluster,
 * of the same engine or another, of this version or a later one.
 */
export function exportRoutes(app: ApiApp, deps: HttpApiDeps): void {
  const { machine, log, clock } = deps;

  app.openapi(exportRoute, async (c) => {
    requireRole(c.get("caller"), "admin", "export the state");
    // The export is a consistent read: everything committed before the request is in it.
    await deps.consistentRead?.();
    const document: ExportDocument = {
      format: exportFormat,
      version: exportVersion,
      exportedAt: new Date(clock.now()).toISOString(),
      source: { clusterId: machine.clusterId, version: deps.version },
      state: exportedState(machine.snapshot()),
    };
    return c.json(document, 200);
  });

  const limit = limitBody(
    maxImportBytes,
    () =>
      new AmstaffError(
        "AMS_ERR_REQUEST_TOO_LARGE",
        `An import is at most ${maxImportBytes} bytes; see "Moving a cluster" in the server's README.`,
      ),
  );
  // The caller's role is checked before a byte of a body that may be large is read.
  app.use(importPath, (c, next) => {
    if (!endpointMatched(c)) return next();
    requireRole(c.get("caller"), "admin", "import a state");
    return limit(c, next);
  });
  app.openapi(bodyReadByHandler(app, importRoute), async (c) => {
    const replace = c.req.valid("query").replace === "true";
    const document = parseExport(await readJson(c, z.unknown(), { what: "export" }));
    const applied = await log.propose({
      type: "state.import",
      state: document.state,
      replace,
      source: document.source,
      actor: actorOf(c.get("caller")),
      at: clock.now(),
    });
    if (!applied.ok) {
      throw new AmstaffError(applied.code ?? "AMS_ERR_CONFLICT", `Not imported: ${applied.reason}.`);
    }
    return c.json(
      { modules: document.state.modules.length, replaced: replace, source: document.source },
      200,
    );
  });
}
