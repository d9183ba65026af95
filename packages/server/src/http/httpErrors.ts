import { type AmstaffErrorCode, describeError, isAmstaffError } from "@amstaff/core";

/** The HTTP status of every error code the API can return: the one place that decides it. */
export const httpStatusOf: Record<AmstaffErrorCode, number> = {
  AMS_ERR_PLUGIN_OPTIONS: 400,
  AMS_ERR_PLUGIN_UNKNOWN: 400,
  AMS_ERR_SCHEDULE_DURATION: 400,
  AMS_ERR_SCHEDULE_CRON: 400,
  AMS_ERR_MODULE_INVALID: 400,
  AMS_ERR_REQUEST_INVALID: 400,
  AMS_ERR_AUTH_REQUIRED: 401,
  AMS_ERR_AUTH_FORBIDDEN: 403,
  AMS_ERR_AUTH_ROLE: 403,
  AMS_ERR_AUTH_TEAM: 403,
  AMS_ERR_MODULE_NOT_FOUND: 404,
  AMS_ERR_SILENCE_NOT_FOUND: 404,
  AMS_ERR_STATUS_PAGE_NOT_FOUND: 404,
  AMS_ERR_REQUEST_TOO_LARGE: 413,
  AMS_ERR_NOT_FOUND: 404,
  AMS_ERR_METHOD_NOT_ALLOWED: 405,
  AMS_ERR_CONFLICT: 409,
  AMS_ERR_SECRET_MISSING: 500,
  AMS_ERR_SECRET_NOT_GRANTED: 403,
  AMS_ERR_SECRET_STORE: 500,
  AMS_ERR_PLUGIN_SETTINGS: 500,
  AMS_ERR_DELIVERY_FAILED: 502,
  AMS_ERR_LOG_UNAVAILABLE: 503,
  AMS_ERR_LOG_OUTCOME_UNKNOWN: 503,
  AMS_ERR_LOG_RESULT_UNKNOWN: 503,
  AMS_ERR_CLUSTER_TLS: 503,
  AMS_ERR_CLUSTER_IDENTITY: 403,
  AMS_ERR_STATE_CORRUPT: 500,
  AMS_ERR_INTERNAL: 500,
};

/** The JSON body of an error response. */
export interface ErrorBody {
  error: { code: AmstaffErrorCode; message: string; details?: Record<string, unknown> };
  [extra: string]: unknown;
}

/** Turns anything thrown while serving a request into a status and a body that leak nothing internal. */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (isAmstaffError(error)) {
    // A refused module's compiler errors are answered at the top level, where clients have always read them.
    const { errors, ...details } = error.details ?? {};
    const refusedModule = error.code === "AMS_ERR_MODULE_INVALID" && Array.isArray(errors);
    const shown = refusedModule ? details : error.details;
    return {
      status: httpStatusOf[error.code],
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(shown && Object.keys(shown).length > 0 ? { details: shown } : {}),
        },
        ...(refusedModule && { errors }),
      },
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: "AMS_ERR_INTERNAL",
        message: `Internal error: ${describeError(error)}. The server log has the details.`,
      },
    },
  };
}
