import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { answerJson, EmulatorControls, startReceiver } from "@amstaff/core/testing";
import { type Parsed, parseHtml, parseMarkdownV2 } from "./entities.js";

/**
 * A local emulator of the Telegram Bot API's `sendMessage`, at the wire, as
 * https://core.telegram.org/bots/api documents it: `POST /bot<token>/sendMessage` with a JSON body
 * (https://core.telegram.org/bots/api#making-requests), the answer envelope `{"ok":true,"result":Message}` or
 * `{"ok":false,"error_code":…,"description":…,"parameters"?:…}`, `parse_mode` HTML and MarkdownV2 parsed as
 * https://core.telegram.org/bots/api#formatting-options says (`can't parse entities` otherwise), the 4,096
 * character limit, `message_thread_id`, `reply_parameters` (https://core.telegram.org/bots/api#replyparameters),
 * and flood control: 429 `Too Many Requests: retry after N` with `parameters.retry_after`
 * (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
 */

/** A message the emulator keeps, as the user would see it. */
export interface EmulatedMessage {
  message_id: number;
  chat_id: number;
  message_thread_id?: number;
  /** The raw `text` as sent. */
  raw: string;
  /** The text after the entities were parsed: what the user reads. */
  text: string;
  /** The bold parts. */
  bold: string[];
  /** The links. */
  links: { label: string; url: string }[];
  parse_mode: string;
  disable_notification: boolean;
  reply_to_message_id?: number;
}

/** One request the emulator received. */
export interface EmulatedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A running emulator: its bot, its chat, what it received and keeps, and the switches of failure tests. */
export interface TelegramEmulator extends EmulatorControls {
  /** The Bot API's base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** The bot's token. */
  token: string;
  /** The supergroup the bot may post in. */
  chatId: number;
  /** A forum topic of that supergroup. */
  threadId: number;
  messages: EmulatedMessage[];
  requests: EmulatedRequest[];
  close(): Promise<void>;
}

function refuse(res: ServerResponse, code: number, description: string, parameters?: Record<string, number>) {
  answerJson(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
}

/** Starts an emulator on a free port. Close it, or every one at once with `closeReceivers` in `afterEach`. */
export async function startTelegramEmulator(): Promise<TelegramEmulator> {
  const botId = 7_000_000_000 + Math.floor(Math.random() * 1_000_000);
  const token = `${botId}:AAH${Buffer.from(String(Math.random())).toString("base64url").padEnd(32, "x").slice(0, 32)}`;
  const chatId = -1_001_234_567_890;
  const threadId = 42;
  const messages: EmulatedMessage[] = [];
  const requests: EmulatedRequest[] = [];
  // Flood control: 20 messages a minute in a group, as the Bot FAQ says.
  const controls = new EmulatorControls({ limit: 20, windowMs: 60_000 });
  let nextId = 100;

  const receiver = await startReceiver((req, res) => {
    if (controls.hang) return;
    const path = new URL(req.url, "http://emulator").pathname;
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      body = undefined;
    }
    requests.push({ method: req.method, path, headers: req.headers, body });
    const next = controls.nextInjected();
    if (next) return answerJson(res, next.status, next.body ?? {}, next.headers);

    const route = /^\/bot([^/]+)\/(\w+)$/.exec(path);
    if (!route) return refuse(res, 404, "Not Found");
    if (route[1] !== token) return refuse(res, 401, "Unauthorized");
    if (route[2]?.toLowerCase() !== "sendmessage") return refuse(res, 404, "Not Found: method not found");
    if (req.method !== "POST" && req.method !== "GET") return refuse(res, 405, "Method Not Allowed");
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json") || typeof body !== "object")
      return refuse(res, 400, "Bad Request: message text is empty");
    const fields = (body ?? {}) as Record<string, unknown>;

    if (fields.chat_id === undefined) return refuse(res, 400, "Bad Request: chat_id is empty");
    if (String(fields.chat_id) !== String(chatId)) return refuse(res, 400, "Bad Request: chat not found");
    const thread = fields.message_thread_id;
    if (thread !== undefined && thread !== threadId)
      return refuse(res, 400, "Bad Request: message thread not found");
    if (typeof fields.text !== "string" || fields.text.trim() === "")
      return refuse(res, 400, "Bad Request: message text is empty");
    const mode = fields.parse_mode;
    if (mode !== undefined && mode !== "HTML" && mode !== "MarkdownV2" && mode !== "Markdown")
      return refuse(res, 400, `Bad Request: unsupported parse_mode`);
    const parsed: Parsed =
      mode === "HTML"
        ? parseHtml(fields.text)
        : mode === "MarkdownV2"
          ? parseMarkdownV2(fields.text)
          : { text: fields.text, bold: [], links: [] };
    if ("error" in parsed) return refuse(res, 400, parsed.error);
    if (parsed.text.trim() === "") return refuse(res, 400, "Bad Request: message text is empty");
    if (parsed.text.length > 4096) return refuse(res, 400, "Bad Request: message is too long");
    const reply = fields.reply_parameters as
      | { message_id?: unknown; allow_sending_without_reply?: unknown }
      | undefined;
    const repliedTo = messages.find((m) => m.message_id === reply?.message_id);
    if (reply !== undefined && !repliedTo && reply.allow_sending_without_reply !== true)
      return refuse(res, 400, "Bad Request: message to be replied not found");

    const now = Date.now();
    const throttled = controls.throttle(now);
    if (throttled !== undefined) {
      const retryAfter = Math.max(1, Math.ceil(throttled / 1000));
      return refuse(res, 429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }

    const message: EmulatedMessage = {
      message_id: nextId++,
      chat_id: chatId,
      ...(typeof thread === "number" ? { message_thread_id: thread } : {}),
      raw: fields.text,
      text: parsed.text,
      bold: parsed.bold,
      links: parsed.links,
      parse_mode: String(mode ?? ""),
      disable_notification: fields.disable_notification === true,
      ...(repliedTo ? { reply_to_message_id: repliedTo.message_id } : {}),
    };
    messages.push(message);
    const chat = { id: chatId, title: "Ops", is_forum: true, type: "supergroup" };
    answerJson(res, 200, {
      ok: true,
      result: {
        message_id: message.message_id,
        from: { id: botId, is_bot: true, first_name: "Amstaff", username: "amstaff_test_bot" },
        chat,
        date: Math.floor(now / 1000),
        ...(typeof thread === "number" ? { message_thread_id: thread, is_topic_message: true } : {}),
        ...(repliedTo
          ? {
              reply_to_message: {
                message_id: repliedTo.message_id,
                from: { id: botId, is_bot: true, first_name: "Amstaff", username: "amstaff_test_bot" },
                chat,
                date: Math.floor(now / 1000),
                text: repliedTo.text,
              },
            }
          : {}),
        text: parsed.text,
      },
    });
  });
  return Object.assign(controls, {
    url: `http://127.0.0.1:${receiver.port}`,
    token,
    chatId,
    threadId,
    messages,
    requests,
    close: () => receiver.close(),
  });
}
