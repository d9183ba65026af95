import { AmstaffError, type AmstaffErrorCode, errorCodes, formatIssues } from "@amstaff/core";
import { type RouteConfig, z } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { ApiApp } from "./deps.js";

/** The body of every error answer: `{ error: { code, message, details? } }`, the code from the core registry. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorCodes) as [AmstaffErrorCode, ...AmstaffErrorCode[]]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi("Error");

const errorDescriptions: Record<number, string> = {
  400: "Invalid request (`AMS_ERR_REQUEST_INVALID`, `AMS_ERR_MODULE_INVALID`, …)",
  401: "Missing or wrong token (`AMS_ERR_AUTH_REQUIRED`)",
  403: "The token may not do this (`AMS_ERR_AUTH_ROLE`, `AMS_ERR_AUTH_TEAM`)",
  404: "No such module, monitor, silence or endpoint",
  409: "The current state refuses it (`AMS_ERR_CONFLICT`)",
  413: "The body is over the limit (`AMS_ERR_REQUEST_TOO_LARGE`)",
  503: "The log cannot take writes (`AMS_ERR_LOG_*`)",
};

/** The error answers a route documents, all with {@link errorBodySchema}. */
export function errors(...statuses: (keyof typeof errorDescriptions)[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: errorDescriptions[status] ?? "Error",
        content: { "application/json": { schema: errorBodySchema } },
      },
    ]),
  );
}

/** A JSON answer of a route's contract. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** A path parameter: one segment, percent-decoded. */
export const segment = (description: string) => z.string().min(1).openapi({ description });

/**
 * A validation hook that refuses a bad query or path parameter with 400 `AMS_ERR_REQUEST_INVALID`,
 * the issues and what to send instead.
 */
export function invalidRequest(hint?: string) {
  return (result: { success: boolean; target: string; error?: ZodError }): undefined => {
    if (result.success || !result.error) return undefined;
    throw invalidInput(result.target, result.error, hint);
  };
}

/** The 400 `AMS_ERR_REQUEST_INVALID` for an input (`query`, `body`, …) its schema refused: the issues and a hint. */
export function invalidInput(what: string, error: ZodError, hint?: string): AmstaffError {
  return new AmstaffError(
    "AMS_ERR_REQUEST_INVALID",
    `Invalid ${what}: ${formatIssues(error.issues)}.${hint ? ` ${hint}` : ""}`,
  );
}

type WithBody = RouteConfig & { request: NonNullable<RouteConfig["request"]> };

/**
 * A route whose JSON body is part of the contract but read by the handler itself ({@link readJson}):
 * clients have always sent it with any content type (`curl -d`, the CLI's `text/plain`), which the
 * framework's body validator would refuse with 415. The full route goes into the document; the
 * returned copy, without its body, is the one to serve.
 */
export function bodyReadByHandler<R extends WithBody>(
  app: ApiApp,
  route: R,
): Omit<R, "request"> & { request: Omit<R["request"], "body">; hide: true } {
  app.openAPIRegistry.registerPath(route);
  const { body: _body, ...request } = route.request;
  return { ...route, request, hide: true } as Omit<R, "request"> & {
    request: Omit<R["request"], "body">;
    hide: true;
  };
}
