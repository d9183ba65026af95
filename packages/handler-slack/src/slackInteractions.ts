import type { IncomingMessage, ServerResponse } from "node:http";
import type { InboundRequest, InboundResponse, InboundRoute, InboundRoutes } from "@amstaff/core";
import { z } from "zod";
import { acknowledgedMessage } from "./acknowledgedMessage.js";
import { boundFetch, createWebClient, type SlackFetch } from "./slackClients.js";
import { type AcknowledgeValue, acknowledgeActionId } from "./slackMessage.js";

/** An incident acknowledged from Slack's Acknowledge button. */
export interface SlackAcknowledgement {
  /** The incident's key (`transition.incident.key` of the alert). */
  incidentKey: string;
  module: string;
  monitor: string;
  /** The Slack user who clicked: ID (`U…`) and user name. */
  user: { id: string; name: string };
  /** The channel ID and the `ts` of the message the button was on. */
  channel: string;
  ts: string;
}

/** Options of {@link createSlackInteractions}. */
export interface SlackInteractionsOptions {
  /** The app's Signing Secret (Basic Information › App Credentials): every request is verified with it. */
  signingSecret: string;
  /**
   * Records the acknowledgement. Called after the request is verified and answered; when it resolves the
   * alert message is updated to show "Acknowledged by @name"; when it rejects, the user who clicked gets
   * a message only they can see, saying it failed, and the button stays.
   */
  onAcknowledge: (ack: SlackAcknowledgement) => Promise<void>;
  /**
   * A bot token to update the message with `chat.update`.
   * @default undefined (the message is updated through the interaction's `response_url`)
   */
  token?: string | undefined;
  /**
   * The Web API's base URL. Only for a proxy or a local Slack emulator in tests.
   * @default "https://slack.com/api/"
   */
  apiUrl?: string | undefined;
  /**
   * Receives what fails after Slack got its answer (a rejected `onAcknowledge`, a failed update), for logs.
   * @default ignore
   */
  onError?: ((error: unknown) => void) | undefined;
  /**
   * The clock, in milliseconds since the epoch: requests older or newer than 5 minutes are refused.
   * @default Date.now
   */
  now?: (() => number) | undefined;
  /**
   * The `fetch` used for `chat.update` and `response_url`.
   * @default globalThis.fetch
   */
  fetch?: SlackFetch | undefined;
}

/** A Node HTTP handler for a Slack app's interactivity Request URL. */
export interface SlackInteractionsHandler {
  /**
   * Handles one request. When the body was already read (by a framework), pass it as `rawBody`: the
   * signature covers the exact bytes Slack sent.
   */
  (req: IncomingMessage, res: ServerResponse, rawBody?: string | Buffer): void;
  /** Resolves when the work started by earlier requests (acknowledging, updating messages) is done. */
  idle(): Promise<void>;
}

/** Slack refuses to deliver payloads this large; anything bigger is not from Slack. */
const maxBodyBytes = 1024 * 1024;
/** Slack's replay window for signed requests. */
const maxSkewSeconds = 5 * 60;

const blockSchema = z.looseObject({ type: z.string() });

const payloadSchema = z.looseObject({
  type: z.string(),
  user: z
    .looseObject({ id: z.string(), username: z.string().optional(), name: z.string().optional() })
    .optional(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional() })).optional(),
  container: z
    .looseObject({ channel_id: z.string().optional(), message_ts: z.string().optional() })
    .optional(),
  channel: z.looseObject({ id: z.string() }).optional(),
  message: z
    .looseObject({
      ts: z.string().optional(),
      text: z.string().optional(),
      blocks: z.array(blockSchema).optional(),
      attachments: z.array(z.looseObject({ blocks: z.array(blockSchema).optional() })).optional(),
    })
    .optional(),
  response_url: z
    .string()
    .refine((v) => /^https?:\/\//.test(v))
    .optional(),
});

const ackValueSchema = z.object({
  incidentKey: z.string().min(1),
  module: z.string(),
  monitor: z.string(),
}) satisfies z.ZodType<AcknowledgeValue>;

type SlackRequestVerifier = typeof import("@slack/bolt").isValidSlackRequest;

let verifier: Promise<SlackRequestVerifier> | undefined;

// Bolt pulls in Express: load it only when an app actually serves interactions, not at import.
function loadVerifier(): Promise<SlackRequestVerifier> {
  verifier ??= import("@slack/bolt").then(
    (bolt) =>
      bolt.isValidSlackRequest ?? (bolt as unknown as { default: typeof bolt }).default.isValidSlackRequest,
  );
  return verifier;
}

function answer(status: number, text = ""): InboundResponse {
  return {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    body: text,
  };
}

function write(res: ServerResponse, response: InboundResponse): void {
  if (res.headersSent) return;
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBodyBytes) {
        // Stop buffering and answer now; the connection is closed once the answer is sent.
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(size > maxBodyBytes ? "too-large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Slack's Acknowledge endpoint as an {@link InboundRoute} (`POST /actions`), for a server that reads the
 * request itself (`@amstaff/server` mounts it at `/integrations/slack/actions` through the plugin's
 * integration); {@link createSlackInteractions} is the same for a plain Node HTTP server. It verifies the
 * signature, answers at once and does the work after: `idle()` resolves when that work is done.
 */
export function slackInteractionRoute(options: SlackInteractionsOptions): InboundRoutes & {
  route: InboundRoute;
  idle(): Promise<void>;
} {
  if (!options.signingSecret) {
    throw new TypeError("Slack interactions: signingSecret is required (the app's Signing Secret)");
  }
  const now = options.now ?? Date.now;
  const baseFetch: SlackFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const onError = options.onError ?? (() => {});
  const pending = new Set<Promise<void>>();
  // Start loading now so the first click is answered well within Slack's 3 seconds.
  loadVerifier().catch(() => {});

  const track = (work: Promise<void>) => {
    const done = work.catch(onError).finally(() => pending.delete(done));
    pending.add(done);
  };

  const respond = async (request: InboundRequest): Promise<InboundResponse> => {
    const text = new TextDecoder().decode(request.body);
    const signature = request.headers["x-slack-signature"];
    const timestamp = Number(request.headers["x-slack-request-timestamp"]);
    const nowMs = now();
    if (
      !signature ||
      !Number.isInteger(timestamp) ||
      Math.abs(nowMs / 1000 - timestamp) > maxSkewSeconds ||
      !(await loadVerifier())({
        signingSecret: options.signingSecret,
        body: text,
        headers: { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp },
        nowMilliseconds: nowMs,
      })
    ) {
      return answer(401, "invalid or stale Slack signature");
    }
    const rawPayload = new URLSearchParams(text).get("payload");
    let json: unknown;
    try {
      json = rawPayload === null ? undefined : JSON.parse(rawPayload);
    } catch {
      json = undefined;
    }
    const payload = payloadSchema.safeParse(json);
    if (!payload.success) {
      return answer(400, "expected a form field 'payload' with an interaction payload");
    }
    const action = payload.data.actions?.find((a) => a.action_id === acknowledgeActionId);
    if (payload.data.type !== "block_actions" || action === undefined) {
      return answer(200);
    }
    let value: AcknowledgeValue | undefined;
    try {
      const parsed = ackValueSchema.safeParse(JSON.parse(action.value ?? ""));
      value = parsed.success ? parsed.data : undefined;
    } catch {
      value = undefined;
    }
    const user = payload.data.user;
    const channel = payload.data.container?.channel_id ?? payload.data.channel?.id;
    const ts = payload.data.container?.message_ts ?? payload.data.message?.ts;
    if (value === undefined || user === undefined || channel === undefined || ts === undefined) {
      return answer(400, "malformed Acknowledge action");
    }
    // Slack shows the user an error unless it gets its answer within 3 seconds: answer first, work after.

    const ack: SlackAcknowledgement = {
      incidentKey: value.incidentKey,
      module: value.module,
      monitor: value.monitor,
      user: { id: user.id, name: user.username ?? user.name ?? user.id },
      channel,
      ts,
    };
    const responseUrl = payload.data.response_url;
    const message = payload.data.message;
    track(
      (async () => {
        try {
          await options.onAcknowledge(ack);
        } catch (error) {
          if (responseUrl) {
            await postResponse(baseFetch, responseUrl, {
              response_type: "ephemeral",
              replace_original: false,
              text: ":warning: Amstaff could not record your acknowledgement. Please try again in a moment.",
            }).catch(onError);
          }
          throw error;
        }
        const updated = acknowledgedMessage(message ?? {}, {
          userId: user.id,
          userName: ack.user.name,
          at: now(),
        });
        if (options.token) {
          const client = await createWebClient(
            options.token,
            options.apiUrl,
            boundFetch(baseFetch, AbortSignal.timeout(10_000)).fetch,
          );
          await client.apiCall("chat.update", { channel, ts, ...updated });
        } else if (responseUrl) {
          await postResponse(baseFetch, responseUrl, { replace_original: true, ...updated });
        }
      })(),
    );
    return answer(200);
  };

  const route: InboundRoute = { method: "POST", path: "/actions", maxBodyBytes, handle: respond };
  return {
    route,
    routes: [route],
    idle: async () => {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

/**
 * Creates the HTTP handler for a Slack app's interactivity Request URL: when someone clicks an alert's
 * Acknowledge button, Slack POSTs here. The handler verifies the request's signature with the app's signing
 * secret (Bolt's `isValidSlackRequest`; requests more than 5 minutes old or ahead are refused, so a
 * captured request cannot be replayed), answers `200` at once, calls `onAcknowledge`, then updates the
 * alert to show "Acknowledged by @name" (with `chat.update` when `token` is set, else `response_url`).
 *
 * Answers: `200` for every verified interaction (others than Acknowledge are ignored), `401` for a missing,
 * wrong or stale signature, `400` for a malformed payload, `405` for other methods, `413` above 1 MiB.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * const interactions = createSlackInteractions({
 *   signingSecret: process.env.SLACK_SIGNING_SECRET!,
 *   token: process.env.SLACK_TOKEN,
 *   onAcknowledge: async ({ incidentKey, user }) => { await incidents.acknowledge(incidentKey, user.name); },
 * });
 * createServer((req, res) => {
 *   if (req.url === "/integrations/slack/actions") interactions(req, res);
 *   else res.writeHead(404).end();
 * }).listen(3000);
 * ```
 */
export function createSlackInteractions(options: SlackInteractionsOptions): SlackInteractionsHandler {
  if (!options.signingSecret) {
    throw new TypeError("createSlackInteractions: signingSecret is required (the app's Signing Secret)");
  }
  const onError = options.onError ?? (() => {});
  const { route, idle } = slackInteractionRoute(options);
  const handle = async (req: IncomingMessage, res: ServerResponse, rawBody?: string | Buffer) => {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      write(res, answer(405, "method not allowed"));
      return;
    }
    const body = rawBody === undefined ? await readBody(req) : Buffer.from(rawBody);
    if (body === "too-large") {
      res.setHeader("connection", "close");
      res.on("finish", () => req.destroy());
      write(res, answer(413, "request too large"));
      return;
    }
    write(
      res,
      await route.handle({
        method: "POST",
        path: (req.url ?? "/").split("?")[0] ?? "/",
        query: new URLSearchParams((req.url ?? "").split("?")[1] ?? ""),
        headers: {
          "x-slack-signature": header(req, "x-slack-signature"),
          "x-slack-request-timestamp": header(req, "x-slack-request-timestamp"),
        },
        body,
      }),
    );
  };

  const handler = ((req: IncomingMessage, res: ServerResponse, rawBody?: string | Buffer) => {
    handle(req, res, rawBody).catch((error: unknown) => {
      onError(error);
      write(res, answer(500, "internal error"));
    });
  }) as SlackInteractionsHandler;
  handler.idle = idle;
  return handler;
}

async function postResponse(fetchFn: SlackFetch, url: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetchFn(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    redirect: "error",
    signal: AbortSignal.timeout(10_000),
  });
  await response.text().catch(() => "");
  if (!response.ok) throw new Error(`Slack's response_url answered HTTP ${response.status}`);
}
