import {
  AmstaffError,
  type DeliveryReceipt,
  type NotifyContext,
  parseDuration,
  parsePluginOptions,
  resolveSecrets,
  type SampleHandler,
  type SecretSource,
  type Transition,
} from "@amstaff/core";
import { bodyExcerpt, type Dispatcher, type HttpAnswer, HttpDelivery } from "@amstaff/plugin-http";
import { workflowMessage } from "./adaptiveCard.js";
import { isWorkflowUrl, type TeamsOptions, teamsOptionsSchema, teamsPluginId } from "./options.js";
import { packageVersion } from "./version.js";

/** Dependencies of {@link teamsHandler} that tests and embedders may replace. */
export interface TeamsHandlerRuntime {
  /**
   * The undici dispatcher requests go through.
   * @default the keep-alive agent shared by every HTTP handler of the process
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
 * What the Teams handler returns from a delivery: the id of the workflow run that posted the card, to find
 * it in the flow's run history. Teams gives no message id back, so nothing can be updated later.
 */
export interface TeamsReceipt extends DeliveryReceipt {
  /** The `x-ms-workflow-run-id` of the accepted request, or `""` when the answer had none. */
  runId: string;
}

/** The error body of Power Automate's request trigger: `{ "error": { "code", "message" } }`. */
interface WorkflowError {
  error?: { code?: unknown; message?: unknown };
}

/**
 * Creates a handler that posts a monitor's notifications to a Microsoft Teams channel through a Workflows
 * (Power Automate) webhook: one Adaptive Card per notification, with a title band coloured by status, the
 * message, a fact set and an "Open in Amstaff" button. The recovery is a green card of its own: the
 * webhook answers `202 Accepted` and no message id, and offers no way to update a posted card. A first
 * status of `ok` sends nothing.
 *
 * One call of `notify` is one attempt: failures throw `AmstaffError` `AMS_ERR_DELIVERY_FAILED`, retryable
 * for network errors, timeouts, HTTP 408, 429 (with `retryAfterMs` from `Retry-After`) and 5xx, not
 * retryable for 400, 401, 403, 404 and other 4xx. The URL's signature never reaches a message or a log.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` for invalid options or a secret that is no signed workflow
 * URL, `AMS_ERR_SECRET_MISSING` for an unset secret.
 * @example
 * ```ts
 * const handler = teamsHandler({ url: { $secret: "TEAMS_WORKFLOW_URL" } });
 * await handler.notify(transition, { signal, idempotencyKey: transition.id, attempt: 1 });
 * ```
 */
export function teamsHandler(options: TeamsOptions, runtime: TeamsHandlerRuntime = {}): SampleHandler {
  const parsed = parsePluginOptions({ id: teamsPluginId, options: teamsOptionsSchema }, options);
  const resolved = resolveSecrets(parsed, runtime.secrets);
  const url = resolved.url.trim();
  if (!isWorkflowUrl(url)) {
    // Never the value: it is signed.
    throw new AmstaffError(
      "AMS_ERR_PLUGIN_OPTIONS",
      `Invalid options for ${teamsPluginId}: url: not a Workflows webhook URL with its sig= parameter`,
    );
  }
  const workflow = new URL(url);
  // Logs and errors name the workflow by its path; the query (with sig=) stays out of them.
  const shown = `${workflow.origin}${workflow.pathname}`;
  const signature = workflow.searchParams.get("sig") ?? "";
  const http = new HttpDelivery({
    label: `teams ${shown}`,
    // A proxy's error page may echo the URL: the signature, raw or encoded, never reaches a message.
    secrets: [signature, encodeURIComponent(signature)],
    details: { workflow: shown },
    timeout: resolved.timeout,
    timeoutMs: parseDuration(resolved.timeout),
    dispatcher: runtime.dispatcher,
    now: runtime.now,
  });

  return {
    name: `teams ${shown}`,
    async notify(transition: Transition, context: NotifyContext): Promise<TeamsReceipt | undefined> {
      // Nothing was posted for a monitor whose first status is ok.
      if (transition.to === "ok" && transition.from === "pending" && context.receipt === undefined)
        return undefined;
      const what = "posting a card";
      const answer = await http.send<WorkflowError>(
        {
          url,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": `amstaff-handler-teams/${packageVersion}`,
          },
          body: JSON.stringify(workflowMessage(transition, resolved)),
        },
        what,
        context.signal,
      );
      if (answer.status >= 200 && answer.status < 300) {
        const runId = answer.headers["x-ms-workflow-run-id"];
        return { runId: (Array.isArray(runId) ? runId[0] : runId) ?? "" };
      }
      throw http.refusal(answer, what, {
        service: "Power Automate",
        rateLimited: "Power Automate is throttling this workflow",
        said: explain(answer),
        advice: (status) =>
          status === 401 || status === 403
            ? "the workflow refused the URL's signature: copy the webhook URL again into the secret"
            : status === 404
              ? "the workflow was deleted or turned off: check url, and that the flow is on"
              : status === 400
                ? "the workflow refused the card"
                : "Power Automate refused the request",
      });
    },
  };
}

function explain(answer: HttpAnswer<WorkflowError>): string {
  const error = answer.body?.error;
  if (typeof error?.message !== "string") return bodyExcerpt(answer.text);
  return typeof error.code === "string" ? `${error.code}: ${error.message}` : error.message;
}
