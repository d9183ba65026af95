import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { answerJson, EmulatorControls, startReceiver } from "@amstaff/core/testing";

/**
 * A local emulator of a Teams Workflows webhook: the Power Automate request trigger "When a Teams webhook
 * request is received" of the template "Send webhook alerts to a channel", at the wire.
 *
 * - The URL, as the trigger shows it: `POST /workflows/{id}/triggers/manual/paths/invoke?api-version=…&sp=…
 *   &sv=1.0&sig=…` (https://learn.microsoft.com/en-us/power-automate/teams/teams-app-create#create-a-flow-that-posts-to-teams-from-a-webhook
 *   and https://learn.microsoft.com/en-us/azure/connectors/connectors-native-reqres).
 * - A request is accepted with `202 Accepted`, an empty body and `x-ms-workflow-run-id` (the trigger answers
 *   before the flow posts; the flow has no step that answers with the message, so no id comes back).
 * - The template reads `attachments[].content` as an Adaptive Card
 *   (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook):
 *   an envelope that is not `{ "type": "message", "attachments": [{ "contentType":
 *   "application/vnd.microsoft.card.adaptive", "content": { "type": "AdaptiveCard", "version", "body" } }] }`
 *   is refused with 400.
 * - Errors in Logic Apps' `ErrorResponse` shape `{ "error": { "code", "message" } }`
 *   (https://learn.microsoft.com/en-us/javascript/api/@azure/arm-logic/errorresponse): 401 for a missing or
 *   wrong `sig`, 404 for an unknown workflow, 400 for a bad payload, 429 with `Retry-After` when the flow's
 *   trigger is throttled (https://learn.microsoft.com/en-us/power-automate/limits-and-config).
 */

/** A card the workflow accepted and posted. */
export interface PostedCard {
  runId: string;
  card: Record<string, unknown>;
}

/** One request the emulator received. */
export interface EmulatedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A running emulator: its signed URL, what it received and posted, and the switches of failure tests. */
export interface WorkflowsEmulator extends EmulatorControls {
  /** The workflow's signed webhook URL. */
  url: string;
  /** The signature in the URL. */
  signature: string;
  cards: PostedCard[];
  requests: EmulatedRequest[];
  close(): Promise<void>;
}

const cardVersions = new Set(["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]);

const error = (
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
) =>
  answerJson(
    res,
    status,
    { error: { code, message } },
    { "content-type": "application/json; charset=utf-8", ...headers },
  );

/** Why an envelope is not one the template can post, or `undefined` when it is. */
function envelopeProblem(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return "the body is not a JSON object";
  const message = body as { type?: unknown; attachments?: unknown };
  if (message.type !== "message") return "'type' must be 'message'";
  if (!Array.isArray(message.attachments) || message.attachments.length === 0)
    return "'attachments' must be a non-empty array";
  for (const [i, attachment] of (message.attachments as Record<string, unknown>[]).entries()) {
    if (attachment?.contentType !== "application/vnd.microsoft.card.adaptive")
      return `attachments[${i}].contentType must be 'application/vnd.microsoft.card.adaptive'`;
    const card = attachment.content as Record<string, unknown> | undefined;
    if (card?.type !== "AdaptiveCard") return `attachments[${i}].content.type must be 'AdaptiveCard'`;
    if (typeof card.version !== "string" || !cardVersions.has(card.version))
      return `attachments[${i}].content.version is not a supported Adaptive Card version`;
    if (!Array.isArray(card.body)) return `attachments[${i}].content.body must be an array`;
  }
  return undefined;
}

/** Starts an emulator on a free port. Close it, or every one at once with `closeReceivers` in `afterEach`. */
export async function startWorkflowsEmulator(): Promise<WorkflowsEmulator> {
  const workflowId = randomBytes(16).toString("hex");
  const signature = randomBytes(32).toString("base64url");
  const cards: PostedCard[] = [];
  const requests: EmulatedRequest[] = [];
  const controls = new EmulatorControls({ limit: 20, windowMs: 60_000 });

  const receiver = await startReceiver((req, res) => {
    if (controls.hang) return;
    const url = new URL(req.url, "http://emulator");
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      body = undefined;
    }
    requests.push({
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    });
    const next = controls.nextInjected();
    if (next) return answerJson(res, next.status, next.body, next.headers);

    const route = /^\/workflows\/([0-9a-f]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname);
    if (!route || route[1] !== workflowId)
      return error(res, 404, "WorkflowNotFound", `The workflow '${route?.[1] ?? ""}' could not be found.`);
    if (!url.searchParams.has("sig"))
      return error(
        res,
        401,
        "DirectApiAuthorizationRequired",
        "The request must be authenticated only by Shared Access scheme.",
      );
    if (url.searchParams.get("sig") !== signature)
      return error(
        res,
        401,
        "DirectApiInvalidAuthorizationSignature",
        "The provided authorization signature is not valid for the request.",
      );
    if (req.method !== "POST")
      return error(
        res,
        405,
        "MethodNotAllowed",
        `The HTTP method '${req.method}' is not allowed for this trigger.`,
      );

    const throttled = controls.throttle();
    if (throttled !== undefined)
      return error(
        res,
        429,
        "WorkflowRequestsThrottled",
        "The workflow's trigger has been throttled: too many requests in a short time.",
        { "retry-after": String(Math.max(1, Math.ceil(throttled / 1000))) },
      );

    if (!String(req.headers["content-type"] ?? "").startsWith("application/json") || body === undefined)
      return error(res, 400, "InvalidRequestContent", "The request content is not valid JSON.");
    const problem = envelopeProblem(body);
    if (problem)
      return error(
        res,
        400,
        "TriggerInputSchemaMismatch",
        `The input body for trigger 'manual' of type 'Request' did not match its schema definition. Error details: '${problem}'.`,
      );
    const runId = `08584${randomUUID().replace(/-/g, "").slice(0, 24).toUpperCase()}`;
    for (const attachment of (body as { attachments: { content: Record<string, unknown> }[] }).attachments)
      cards.push({ runId, card: attachment.content });
    answerJson(res, 202, undefined, { "x-ms-workflow-run-id": runId, "x-ms-correlation-id": randomUUID() });
  });
  return Object.assign(controls, {
    url: `http://127.0.0.1:${receiver.port}/workflows/${workflowId}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${signature}`,
    signature,
    cards,
    requests,
    close: () => receiver.close(),
  });
}
