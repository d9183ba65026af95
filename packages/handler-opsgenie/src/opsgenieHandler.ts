import {
  AmstaffError,
  type DeliveryReceipt,
  isFailing,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  resolveSecrets,
  type SampleHandler,
  type SampleStatus,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import { bodyExcerpt, type Dispatcher, type HttpAnswer, HttpDelivery } from "@amstaff/plugin-http";
import { alertAlias, alertPriority, closeAlertRequest, createAlertRequest } from "./alertRequests.js";
import { type OpsgenieOptions, opsgenieOptionsSchema, opsgeniePluginId, opsgenieRegions } from "./options.js";
import { packageVersion } from "./version.js";

/** Dependencies of {@link opsgenieHandler} that tests and embedders may replace. */
export interface OpsgenieHandlerRuntime {
  /**
   * The undici dispatcher requests go through.
   * @default a keep-alive `Agent` shared by every OpsGenie handler of the process
   */
  dispatcher?: Dispatcher;
  /**
   * Where `secret("NAME")` references are read from.
   * @default the process environment
   */
  secrets?: SecretSource;
  /**
   * The clock, in milliseconds since the epoch, for `Retry-After` dates.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * What the OpsGenie handler returns from a delivery. The server hands the first one of an incident back
 * to its later deliveries, so the recovery closes the very alias the alert was opened with.
 */
export interface OpsgenieReceipt extends DeliveryReceipt {
  /** OpsGenie's id of the (asynchronously processed) request: look it up in the integration's logs. */
  requestId: string;
  /** The alert's alias. */
  alias: string;
}

/** The body of an Alert API answer. */
interface AlertAnswer {
  message?: unknown;
  result?: unknown;
  requestId?: unknown;
  errors?: unknown;
}

type Answer = HttpAnswer<AlertAnswer>;

/**
 * Creates a handler that keeps one OpsGenie alert per incident (Alert API v2). A transition into a
 * failing status, every reminder, an escalation and a flapping announcement (even while the monitor is
 * ok) create the alert with the incident's key as alias: OpsGenie deduplicates on it and counts the
 * repeats. A change of status within the incident (warning → critical, or the status flapping settles
 * on) also sets the alert's priority. A recovery closes the alert by its alias. A first status of `ok`
 * sends nothing.
 *
 * One call of `notify` is one attempt: failures throw `AmstaffError` `AMS_ERR_DELIVERY_FAILED`, retryable
 * for network errors, timeouts, HTTP 408, 429 and 5xx (with `retryAfterMs` from `Retry-After`), not
 * retryable for 400, 401, 402, 403, 422 and other 4xx. Closing an alert that does not exist (HTTP 404) is
 * a success: it was closed already, or never opened.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options, `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = opsgenieHandler({
 *   apiKey: { $secret: "OPSGENIE_API_KEY" },
 *   region: "eu",
 *   responders: [{ type: "team", name: "user-service" }],
 * });
 * await handler.notify(transition, { signal, idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function opsgenieHandler(
  options: OpsgenieOptions,
  runtime: OpsgenieHandlerRuntime = {},
): SampleHandler {
  const parsed = parsePluginOptions({ id: opsgeniePluginId, options: opsgenieOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const apiKey = resolved.apiKey.trim();
  if (/[\r\n\0]/.test(apiKey)) {
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${opsgeniePluginId}: apiKey: the secret's value contains a line break`,
    );
  }
  const base = new URL(resolved.baseUrl ?? opsgenieRegions[resolved.region]);
  const basePath = base.pathname.replace(/\/+$/, "");
  const api = `${base.origin}${basePath}`;
  const http = new HttpDelivery({
    label: `opsgenie ${api}`,
    // OpsGenie does not echo keys, but a proxy's error page might: never let one reach a message.
    secrets: [apiKey],
    details: { api },
    timeout: resolved.timeout,
    timeoutMs: parseDuration(resolved.timeout),
    dispatcher: runtime.dispatcher,
    now: runtime.now,
  });

  const call = (method: "POST" | "PUT", path: string, payload: unknown, what: string, signal: AbortSignal) =>
    http.send<AlertAnswer>(
      {
        url: `${api}${path}`,
        method,
        headers: {
          authorization: `GenieKey ${apiKey}`,
          "content-type": "application/json",
          accept: "application/json",
          "user-agent": `amstaff-handler-opsgenie/${packageVersion}`,
        },
        body: JSON.stringify(payload),
      },
      what,
      signal,
    );

  function requestIdOf(answer: Answer): string {
    const fromBody = answer.body?.requestId;
    if (typeof fromBody === "string") return fromBody;
    const header = answer.headers["x-request-id"];
    return (Array.isArray(header) ? header[0] : header) ?? "";
  }

  const failure = (answer: Answer, what: string): AmstaffError =>
    http.refusal(answer, what, {
      service: "OpsGenie",
      rateLimited: "OpsGenie is rate-limiting this API key",
      said: explain(answer),
      advice: (status) =>
        status === 401
          ? "the API key was refused: check apiKey, and that its integration is enabled"
          : status === 402
            ? "the OpsGenie plan does not allow this request"
            : status === 403
              ? "the API key may not do this: give its integration create-and-update access"
              : status === 404
                ? "not found: check region or baseUrl"
                : status === 422 || status === 400
                  ? "OpsGenie refused the alert"
                  : "OpsGenie refused the request",
    });

  return {
    name: `opsgenie ${api}`,
    async notify(transition: Transition, context: NotifyContext): Promise<OpsgenieReceipt | undefined> {
      // A flapping monitor that happens to be ok has an open incident: its announcement opens the alert.
      if (transition.to === "ok" && transition.kind !== "flapping") {
        // Nothing was opened for a monitor whose first status is ok.
        if (transition.from === "pending" && context.receipt === undefined) return undefined;
        const alias = alertAlias(transition, context.receipt);
        const what = `closing alert ${alias}`;
        const answer = await call(
          "POST",
          `/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`,
          closeAlertRequest(transition, resolved),
          what,
          context.signal,
        );
        // 404: the alert is closed already, or was never opened (someone closed and deleted it): done.
        if (isSuccess(answer.status) || answer.status === 404)
          return { requestId: requestIdOf(answer), alias };
        throw failure(answer, what);
      }

      const body = createAlertRequest(transition, resolved, context.receipt);
      const what = `creating alert ${body.alias}`;
      const answer = await call("POST", "/v2/alerts", body, what, context.signal);
      if (!isSuccess(answer.status)) throw failure(answer, what);
      const receipt: OpsgenieReceipt = { requestId: requestIdOf(answer), alias: body.alias };

      // A deduplicated create leaves the open alert's priority as it was: set it when the severity changed.
      // With a receipt the alert was opened earlier in this incident, perhaps by a flapping announcement
      // or at a status flapping went through, and after flapping (`from` is `to`) its priority is the
      // flapping one: in both cases it is unknown here, so it is set.
      const change = transition.kind === undefined || transition.kind === "transition";
      const previous = isFailing(transition.from)
        ? alertPriority(transition.from as SampleStatus, resolved)
        : undefined;
      if (
        change &&
        (context.receipt !== undefined ||
          transition.from === transition.to ||
          (previous !== undefined && previous !== body.priority))
      ) {
        const update = `updating the priority of alert ${body.alias} to ${body.priority}`;
        const priority = await call(
          "PUT",
          `/v2/alerts/${encodeURIComponent(body.alias)}/priority?identifierType=alias`,
          { priority: body.priority },
          update,
          context.signal,
        );
        if (!isSuccess(priority.status)) throw failure(priority, update);
      }
      return receipt;
    },
  };
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function explain(answer: Answer): string {
  const { body } = answer;
  const parts: string[] = [];
  if (typeof body?.message === "string") parts.push(body.message);
  if (typeof body?.errors === "object" && body.errors !== null) {
    const errors = Object.entries(body.errors as Record<string, unknown>).map(
      ([field, problem]) => `${field}: ${String(problem)}`,
    );
    if (errors.length > 0) parts.push(`(${errors.join("; ")})`);
  }
  if (parts.length === 0) {
    const text = bodyExcerpt(answer.text);
    if (text) parts.push(text);
  }
  if (typeof body?.requestId === "string") parts.push(`[requestId ${body.requestId}]`);
  return parts.join(" ");
}
