import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { EmulatorControls, startReceiver } from "@amstaff/core/testing";

/**
 * A local emulator of ntfy's publish API, at the wire: "publish as JSON" (`POST /` with a JSON message,
 * https://docs.ntfy.sh/publish/#publish-as-json), bearer access tokens
 * (https://docs.ntfy.sh/publish/#access-tokens), and ntfy's error JSON `{"code":40301,"http":403,
 * "error":"forbidden","link":"https://ntfy.sh/docs/publish/#authentication"}` with the codes and texts of
 * ntfy's server (server/errors.go): 40007 invalid priority, 40009 invalid topic, 40017 not message JSON,
 * 40101 unauthorized, 40301 forbidden, 42901 too many requests. Answers end with a newline, as ntfy's do.
 */

/** A message as ntfy returns and caches it. */
export interface EmulatedMessage {
  id: string;
  time: number;
  expires: number;
  event: "message";
  topic: string;
  title?: string;
  message: string;
  priority?: number;
  tags?: string[];
  click?: string;
  content_type?: string;
}

/** One request the emulator received. */
export interface EmulatedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A running emulator: its URL, what it received and keeps, and switches for failure tests. */
export interface NtfyEmulator extends EmulatorControls {
  /** The server URL to use as `server`, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** An access token with write access to every protected topic. */
  token: string;
  /** Topics only `token` may publish to; anyone may publish to the others. */
  protectedTopics: Set<string>;
  messages: EmulatedMessage[];
  requests: EmulatedRequest[];
  /**
   * Requests a visitor may make per window; more get `429` with ntfy's 42901 error, as ntfy's visitor
   * request limit answers.
   * @default { limit: 60, windowMs: 60_000 }
   */
  rateLimit: { limit: number; windowMs: number };
  close(): Promise<void>;
}

const topicPattern = /^[-_A-Za-z0-9]{1,64}$/;
const authLink = "https://ntfy.sh/docs/publish/#authentication";

/** ntfy's errors the emulator gives, as its server defines them. */
export const ntfyErrors = {
  priorityInvalid: {
    code: 40007,
    http: 400,
    error: "invalid priority parameter",
    link: "https://ntfy.sh/docs/publish/#message-priority",
  },
  topicInvalid: { code: 40009, http: 400, error: "invalid request: topic invalid" },
  messageJsonInvalid: {
    code: 40017,
    http: 400,
    error: "invalid request: request body must be message JSON",
    link: "https://ntfy.sh/docs/publish/#publish-as-json",
  },
  notFound: { code: 40401, http: 404, error: "page not found" },
  unauthorized: { code: 40101, http: 401, error: "unauthorized", link: authLink },
  forbidden: { code: 40301, http: 403, error: "forbidden", link: authLink },
  tooManyRequests: {
    code: 42901,
    http: 429,
    error: "limit reached: too many requests, please be nice",
    link: "https://ntfy.sh/docs/publish/#limitations",
  },
} as const;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "access-control-allow-origin": "*",
    ...headers,
  });
  res.end(text);
}

function priorityOf(value: unknown): number | undefined {
  if (value === undefined || value === 0) return undefined;
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 5
    ? (value as number)
    : Number.NaN;
}

/** Starts an emulator on a free port. Close it, or every one at once with `closeReceivers` from `@amstaff/core/testing` in `afterEach`. */
export async function startNtfyEmulator(options: { acceptAnyToken?: boolean } = {}): Promise<NtfyEmulator> {
  const messages: EmulatedMessage[] = [];
  const requests: EmulatedRequest[] = [];
  const controls = new EmulatorControls({ limit: 60, windowMs: 60_000 });
  const token = `tk_${randomBytes(20).toString("base64url").toLowerCase().slice(0, 29)}`;
  const protectedTopics = new Set<string>();

  const receiver = await startReceiver((req, res) => {
    if (controls.hang) return;
    const path = new URL(req.url ?? "/", "http://emulator").pathname;
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      body = undefined;
    }
    requests.push({ method: req.method ?? "", path, headers: req.headers, body });

    const next = controls.nextInjected();
    if (next) return send(res, next.status, next.body ?? {}, next.headers);
    if (controls.throttle() !== undefined) return send(res, 429, ntfyErrors.tooManyRequests);
    if (path !== "/" || (req.method !== "POST" && req.method !== "PUT"))
      return send(res, 404, ntfyErrors.notFound);

    const authorization = req.headers.authorization;
    const bearer = authorization === undefined ? undefined : /^Bearer (.+)$/.exec(authorization)?.[1];
    const known = bearer === token || (options.acceptAnyToken === true && bearer !== undefined);
    if (authorization !== undefined && !known) return send(res, 401, ntfyErrors.unauthorized);
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return send(res, 400, ntfyErrors.messageJsonInvalid);
    const fields = body as Record<string, unknown>;
    if (typeof fields.topic !== "string" || !topicPattern.test(fields.topic))
      return send(res, 400, ntfyErrors.topicInvalid);
    if (protectedTopics.has(fields.topic) && !known) return send(res, 403, ntfyErrors.forbidden);
    const priority = priorityOf(fields.priority);
    if (Number.isNaN(priority)) return send(res, 400, ntfyErrors.priorityInvalid);

    const time = Math.floor(Date.now() / 1000);
    const text = typeof fields.message === "string" && fields.message !== "" ? fields.message : "triggered";
    const message: EmulatedMessage = {
      id: randomBytes(9).toString("base64url").slice(0, 12),
      time,
      expires: time + 43_200,
      event: "message",
      topic: fields.topic,
      ...(typeof fields.title === "string" && fields.title !== "" ? { title: fields.title } : {}),
      message: text,
      ...(priority === undefined ? {} : { priority }),
      ...(Array.isArray(fields.tags) && fields.tags.length > 0 ? { tags: fields.tags.map(String) } : {}),
      ...(typeof fields.click === "string" && fields.click !== "" ? { click: fields.click } : {}),
      ...(fields.markdown === true ? { content_type: "text/markdown" } : {}),
    };
    messages.push(message);
    return send(res, 200, message);
  });
  return Object.assign(controls, {
    url: `http://127.0.0.1:${receiver.port}`,
    token,
    protectedTopics,
    messages,
    requests,
    close: () => receiver.close(),
  });
}
