import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { EmulatorControls, startReceiver } from "@amstaff/core/testing";

/**
 * A local emulator of Discord's webhook API, at the wire:
 * "Execute Webhook" (`POST /api/webhooks/{id}/{token}?wait=true&thread_id=…`) and "Edit Webhook Message"
 * (`PATCH /api/webhooks/{id}/{token}/messages/{message.id}`) as
 * https://discord.com/developers/docs/resources/webhook documents them, the embed limits of
 * https://discord.com/developers/docs/resources/message#embed-object-embed-limits, JSON errors
 * (`{"message":"Unknown Webhook","code":10015}`, `Invalid Form Body` 50035 with its nested `errors`) from
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#json, and per-webhook rate limits
 * with `X-RateLimit-*` headers and the 429 body `{"message":"You are being rate limited.","retry_after":…,
 * "global":false}` of https://discord.com/developers/docs/topics/rate-limits.
 */

/** A message as Discord returns it (the fields a webhook message has). */
export interface EmulatedMessage {
  id: string;
  type: 0;
  content: string;
  channel_id: string;
  author: { bot: true; id: string; username: string; avatar: null; discriminator: "0000" };
  attachments: [];
  embeds: Record<string, unknown>[];
  mentions: { id: string }[];
  mention_roles: string[];
  pinned: false;
  mention_everyone: boolean;
  tts: false;
  timestamp: string;
  edited_timestamp: string | null;
  flags: 0;
  components: [];
  webhook_id: string;
}

/** One request the emulator received. */
export interface EmulatedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A running emulator: its webhook, what it received and keeps, and switches for failure tests. */
export interface DiscordEmulator extends EmulatorControls {
  /** The webhook URL of its one webhook: `http://127.0.0.1:PORT/api/webhooks/{id}/{token}`. */
  url: string;
  webhookId: string;
  token: string;
  channelId: string;
  messages: EmulatedMessage[];
  requests: EmulatedRequest[];
  /** The webhook's bucket: this many requests per window. @default { limit: 5, windowMs: 2000 } */
  rateLimit: { limit: number; windowMs: number };
  close(): Promise<void>;
}

const mentionTypes = new Set(["roles", "users", "everyone"]);

function snowflake(): string {
  // Discord's ids: a timestamp since 2015 shifted left 22 bits, plus worker and sequence bits.
  return (
    (BigInt(Date.now() - 1_420_070_400_000) << 22n) |
    BigInt(randomBytes(2).readUInt16BE() & 0x3fffff)
  ).toString();
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204) {
    res.writeHead(204, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

type FormErrors = Record<string, unknown>;

function addError(errors: FormErrors, path: (string | number)[], code: string, message: string): void {
  let node = errors;
  for (const key of path) {
    node[String(key)] ??= {};
    node = node[String(key)] as FormErrors;
  }
  node._errors = [...((node._errors as unknown[] | undefined) ?? []), { code, message }];
}

/** Validates a webhook message the way Discord documents its fields; returns the nested `errors`. */
function validate(body: Record<string, unknown>): FormErrors {
  const errors: FormErrors = {};
  const max = (path: (string | number)[], value: unknown, limit: number) => {
    if (value !== undefined && (typeof value !== "string" || value.length > limit))
      addError(errors, path, "BASE_TYPE_MAX_LENGTH", `Must be ${limit} or fewer in length.`);
  };
  max(["content"], body.content, 2000);
  max(["username"], body.username, 80);
  const embeds = body.embeds;
  if (embeds !== undefined) {
    if (!Array.isArray(embeds) || embeds.length > 10)
      addError(errors, ["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
    else
      embeds.forEach((embed: Record<string, unknown>, i) => {
        max(["embeds", i, "title"], embed.title, 256);
        max(["embeds", i, "description"], embed.description, 4096);
        if (
          embed.color !== undefined &&
          !(
            Number.isInteger(embed.color) &&
            (embed.color as number) >= 0 &&
            (embed.color as number) <= 0xffffff
          )
        )
          addError(
            errors,
            ["embeds", i, "color"],
            "NUMBER_TYPE_MAX",
            "int value should be less than or equal to 16777215.",
          );
        if (embed.timestamp !== undefined && Number.isNaN(Date.parse(String(embed.timestamp))))
          addError(
            errors,
            ["embeds", i, "timestamp"],
            "DATE_TIME_TYPE_PARSE",
            "Could not parse " + String(embed.timestamp) + ". Should be ISO8601.",
          );
        const fields = (embed.fields ?? []) as { name?: unknown; value?: unknown }[];
        if (fields.length > 25)
          addError(errors, ["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
        fields.forEach((field, j) => {
          for (const [key, limit] of [
            ["name", 256],
            ["value", 1024],
          ] as const) {
            const value = field[key];
            if (typeof value !== "string" || value === "")
              addError(
                errors,
                ["embeds", i, "fields", j, key],
                "BASE_TYPE_REQUIRED",
                "This field is required",
              );
            else max(["embeds", i, "fields", j, key], value, limit);
          }
        });
        const total = [
          embed.title,
          embed.description,
          (embed.footer as { text?: unknown } | undefined)?.text,
          ...fields.flatMap((f) => [f.name, f.value]),
        ].reduce<number>((n, v) => n + (typeof v === "string" ? v.length : 0), 0);
        if (total > 6000)
          addError(errors, ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000");
      });
  }
  const mentions = body.allowed_mentions as { parse?: unknown } | undefined;
  if (
    mentions?.parse !== undefined &&
    (!Array.isArray(mentions.parse) || mentions.parse.some((p) => !mentionTypes.has(String(p))))
  )
    addError(
      errors,
      ["allowed_mentions", "parse"],
      "ENUM_TYPE_COERCE",
      "Value must be one of {'roles', 'users', 'everyone'}.",
    );
  return errors;
}

/** Who a message pings: Discord parses mentions in `content` and keeps only those `allowed_mentions` allows. */
function mentionsOf(body: Record<string, unknown>): { users: string[]; roles: string[]; everyone: boolean } {
  const content = typeof body.content === "string" ? body.content : "";
  const allowed = body.allowed_mentions as
    | { parse?: string[]; users?: string[]; roles?: string[] }
    | undefined;
  const parse = new Set(allowed?.parse ?? ["users", "roles", "everyone"]);
  const users = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? "");
  const roles = [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1] ?? "");
  return {
    users: users.filter((id) => parse.has("users") || (allowed?.users ?? []).includes(id)),
    roles: roles.filter((id) => parse.has("roles") || (allowed?.roles ?? []).includes(id)),
    everyone: parse.has("everyone") && /@(everyone|here)/.test(content),
  };
}

/** Starts an emulator on a free port. Close it, or every one at once with `closeReceivers` from `@amstaff/core/testing` in `afterEach`. */
export async function startDiscordEmulator(
  options: { acceptAnyToken?: boolean } = {},
): Promise<DiscordEmulator> {
  const webhookId = snowflake();
  const token = randomBytes(51).toString("base64url").slice(0, 68);
  const channelId = snowflake();
  const messages: EmulatedMessage[] = [];
  const requests: EmulatedRequest[] = [];
  const controls = new EmulatorControls({ limit: 5, windowMs: 2000 });

  const rateHeaders = (remaining: number, resetAt: number): Record<string, string> => ({
    "x-ratelimit-limit": String(controls.rateLimit.limit),
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-reset": (resetAt / 1000).toFixed(3),
    "x-ratelimit-reset-after": (Math.max(0, resetAt - Date.now()) / 1000).toFixed(3),
    "x-ratelimit-bucket": `webhook-${webhookId.slice(-8)}`,
  });

  const receiver = await startReceiver((req, res) => {
    if (controls.hang) return;
    const url = new URL(req.url ?? "/", "http://emulator");
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      body = undefined;
    }
    requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    });
    const next = controls.nextInjected();
    if (next) return send(res, next.status, next.body ?? {}, next.headers);

    const route = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(\d+))?$/.exec(url.pathname);
    if (!route) return send(res, 404, { message: "404: Not Found", code: 0 });
    if (route[1] !== webhookId) return send(res, 404, { message: "Unknown Webhook", code: 10015 });
    if (route[2] !== token && options.acceptAnyToken !== true)
      return send(res, 401, { message: "Invalid Webhook Token", code: 50027 });

    const now = Date.now();
    const waitMs = controls.throttle(now);
    const { remaining, resetAt } = controls.quota();
    if (waitMs !== undefined) {
      const retryAfter = waitMs / 1000;
      return send(
        res,
        429,
        {
          message: "You are being rate limited.",
          retry_after: Number(retryAfter.toFixed(3)),
          global: false,
        },
        {
          ...rateHeaders(0, resetAt),
          "retry-after": String(Math.ceil(retryAfter)),
          "x-ratelimit-scope": "shared",
        },
      );
    }
    const limits = rateHeaders(remaining, resetAt);

    if (typeof body !== "object" || body === null || Array.isArray(body))
      return send(res, 400, { message: "Cannot send an empty message", code: 50006 }, limits);
    const fields = body as Record<string, unknown>;
    const errors = validate(fields);
    if (Object.keys(errors).length > 0)
      return send(res, 400, { code: 50035, errors, message: "Invalid Form Body" }, limits);
    const thread = url.searchParams.get("thread_id");

    if (req.method === "POST" && route[3] === undefined) {
      const content = typeof fields.content === "string" ? fields.content : "";
      const embeds = Array.isArray(fields.embeds) ? (fields.embeds as Record<string, unknown>[]) : [];
      if (content === "" && embeds.length === 0)
        return send(res, 400, { message: "Cannot send an empty message", code: 50006 }, limits);
      const pinged = mentionsOf(fields);
      const message: EmulatedMessage = {
        id: snowflake(),
        type: 0,
        content,
        channel_id: thread ?? channelId,
        author: {
          bot: true,
          id: webhookId,
          username: typeof fields.username === "string" ? fields.username : "Captain Hook",
          avatar: null,
          discriminator: "0000",
        },
        attachments: [],
        embeds: embeds.map((e) => ({ type: "rich", ...e })),
        mentions: pinged.users.map((id) => ({ id })),
        mention_roles: pinged.roles,
        pinned: false,
        mention_everyone: pinged.everyone,
        tts: false,
        timestamp: new Date(now).toISOString(),
        edited_timestamp: null,
        flags: 0,
        components: [],
        webhook_id: webhookId,
      };
      messages.push(message);
      return url.searchParams.get("wait") === "true"
        ? send(res, 200, message, limits)
        : send(res, 204, undefined, limits);
    }
    if (req.method === "PATCH" && route[3] !== undefined) {
      const message = messages.find((m) => m.id === route[3] && m.channel_id === (thread ?? channelId));
      if (!message) return send(res, 404, { message: "Unknown Message", code: 10008 }, limits);
      if (typeof fields.content === "string") message.content = fields.content;
      if (Array.isArray(fields.embeds))
        message.embeds = (fields.embeds as Record<string, unknown>[]).map((e) => ({ type: "rich", ...e }));
      message.edited_timestamp = new Date(now).toISOString();
      return send(res, 200, message, limits);
    }
    return send(res, 405, { message: "405: Method Not Allowed", code: 0 }, limits);
  });
  return Object.assign(controls, {
    url: `http://127.0.0.1:${receiver.port}/api/webhooks/${webhookId}/${token}`,
    webhookId,
    token,
    channelId,
    messages,
    requests,
    close: () => receiver.close(),
  });
}
