import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local emulator of OpsGenie's Alert API v2 (https://docs.opsgenie.com/docs/alert-api), at the wire:
 * the endpoints, bodies, status codes and headers the documentation gives, and alias deduplication.
 * Requests are processed synchronously here; OpsGenie processes them asynchronously after its `202`,
 * which the handler cannot tell apart.
 */

/** An alert as the emulator keeps it (the fields of OpsGenie's "Get Alert"). */
export interface EmulatedAlert {
  id: string;
  tinyId: string;
  alias: string;
  message: string;
  description: string;
  status: "open" | "closed";
  count: number;
  priority: string;
  tags: string[];
  details: Record<string, string>;
  entity: string;
  source: string;
  responders: unknown[];
  notes: { note: string; source: string }[];
}

/** One request the emulator received. */
export interface EmulatedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The processing result OpsGenie would report for it in "Get Request Status". */
  status?: string;
}

/** An answer the emulator gives instead of processing a request. */
export interface InjectedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface OpsgenieEmulator {
  /** The origin to use as `baseUrl`, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** The API key it accepts. */
  apiKey: string;
  alerts: EmulatedAlert[];
  requests: EmulatedRequest[];
  /** Answers the next requests with these, in order, instead of processing them. */
  inject(...answers: InjectedAnswer[]): void;
  /** Answers `404` to closes of absent aliases, as some OpsGenie deployments do, instead of `202`. */
  closeAbsentAnswers404: boolean;
  /** Accepts connections and never answers, for timeout tests. */
  hang: boolean;
  close(): Promise<void>;
}

const open = new Set<Server>();
const keyFormat = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const priorities = new Set(["P1", "P2", "P3", "P4", "P5"]);
const responderTypes = new Set(["team", "user", "escalation", "schedule"]);
const identifierTypes = new Set(["id", "tiny", "alias"]);

function took(): number {
  return Math.round(Math.random() * 100) / 1000;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json;charset=UTF-8",
    "content-length": Buffer.byteLength(text),
    "x-request-id": requestId,
    "x-response-time": String(took()),
    ...headers,
  });
  res.end(text);
}

/** Validates a Create Alert body the way OpsGenie documents its fields; returns the `errors` map. */
function validateCreate(body: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  const { message, alias, description, tags, details, entity, source, priority, responders, note } = body;
  if (typeof message !== "string" || message.trim() === "") errors.message = "Message can not be empty.";
  else if (message.length > 130) errors.message = "Message can not be longer than 130 characters.";
  if (alias !== undefined && (typeof alias !== "string" || alias.length > 512))
    errors.alias = "Alias can not be longer than 512 characters.";
  if (description !== undefined && (typeof description !== "string" || description.length > 15_000))
    errors.description = "Description can not be longer than 15000 characters.";
  if (entity !== undefined && (typeof entity !== "string" || entity.length > 512))
    errors.entity = "Entity can not be longer than 512 characters.";
  if (source !== undefined && (typeof source !== "string" || source.length > 100))
    errors.source = "Source can not be longer than 100 characters.";
  if (note !== undefined && (typeof note !== "string" || note.length > 25_000))
    errors.note = "Note can not be longer than 25000 characters.";
  if (priority !== undefined && !priorities.has(String(priority)))
    errors.priority = "Priority should be one of [P1, P2, P3, P4, P5]";
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length > 20) errors.tags = "Tags can not be more than 20.";
    else if (tags.some((t) => typeof t !== "string" || t.length > 50))
      errors.tags = "Tag can not be longer than 50 characters.";
  }
  if (details !== undefined) {
    if (typeof details !== "object" || details === null || Array.isArray(details))
      errors.details = "Details should be a map of strings.";
    else {
      const entries = Object.entries(details as Record<string, unknown>);
      if (entries.some(([, v]) => typeof v !== "string"))
        errors.details = "Details should be a map of strings.";
      else if (entries.reduce((n, [k, v]) => n + k.length + String(v).length, 0) > 8000)
        errors.details = "Details can not be longer than 8000 characters in total.";
    }
  }
  if (responders !== undefined) {
    if (!Array.isArray(responders) || responders.length > 50)
      errors.responders = "Responders can not be more than 50.";
    else {
      for (const r of responders as Record<string, unknown>[]) {
        const type = String(r?.type);
        const named = r?.id !== undefined || r?.name !== undefined || r?.username !== undefined;
        if (!responderTypes.has(type)) {
          errors.responders = `Responder type [${type}] is not valid. It should be one of [team, user, escalation, schedule]`;
        } else if (!named) {
          errors.responders = "Responder should have one of [id, name, username]";
        }
      }
    }
  }
  return errors;
}

/** Starts an emulator on a free port. Close it with {@link closeEmulators} in `afterEach`. */
export async function startOpsgenieEmulator(
  apiKey: string = randomUUID(),
  options: { acceptAnyKey?: boolean } = {},
): Promise<OpsgenieEmulator> {
  const alerts: EmulatedAlert[] = [];
  const requests: EmulatedRequest[] = [];
  const injected: InjectedAnswer[] = [];
  let tiny = 0;
  const state = { closeAbsentAnswers404: false, hang: false };

  const openAlert = (alias: string) => alerts.find((a) => a.alias === alias && a.status === "open");
  const find = (identifier: string, type: string) =>
    type === "id"
      ? alerts.find((a) => a.id === identifier)
      : type === "tiny"
        ? alerts.find((a) => a.tinyId === identifier)
        : openAlert(identifier);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (state.hang) return;
      const requestId = randomUUID();
      const url = new URL(req.url ?? "/", "http://emulator");
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      let malformed = false;
      try {
        body = raw === "" ? undefined : JSON.parse(raw);
      } catch {
        malformed = true;
      }
      const recorded: EmulatedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      };
      requests.push(recorded);

      const next = injected.shift();
      if (next) return send(res, next.status, next.body ?? {}, requestId, next.headers);

      const authorization = req.headers.authorization ?? "";
      const match = /^GenieKey (.*)$/.exec(authorization);
      const anyKey = options.acceptAnyKey === true && (match?.[1] ?? "") !== "";
      if (!anyKey && (!match || !keyFormat.test(match[1] ?? ""))) {
        return send(res, 401, { message: "Key format is not valid!", took: took(), requestId }, requestId);
      }
      if (!anyKey && match?.[1] !== apiKey) {
        return send(res, 401, { message: "Could not authenticate", took: took(), requestId }, requestId);
      }
      if (malformed || (body !== undefined && (typeof body !== "object" || body === null))) {
        return send(
          res,
          400,
          { message: "Could not parse the JSON body.", took: took(), requestId },
          requestId,
        );
      }
      const fields = (body ?? {}) as Record<string, unknown>;
      const accepted = () =>
        send(res, 202, { result: "Request will be processed", took: took(), requestId }, requestId);

      if (req.method === "POST" && url.pathname === "/v2/alerts") {
        const errors = validateCreate(fields);
        if (Object.keys(errors).length > 0) {
          return send(
            res,
            422,
            {
              message: "Request body is not processable. Please check the errors.",
              errors,
              took: took(),
              requestId,
            },
            requestId,
          );
        }
        const alias = typeof fields.alias === "string" ? fields.alias : randomUUID();
        const existing = openAlert(alias);
        if (existing) {
          existing.count++;
          if (typeof fields.note === "string")
            existing.notes.push({ note: fields.note, source: String(fields.source) });
          recorded.status = "Alert deduplicated";
        } else {
          alerts.push({
            id: randomUUID(),
            tinyId: String(++tiny),
            alias,
            message: String(fields.message),
            description: typeof fields.description === "string" ? fields.description : "",
            status: "open",
            count: 1,
            priority: typeof fields.priority === "string" ? fields.priority : "P3",
            tags: Array.isArray(fields.tags) ? (fields.tags as string[]) : [],
            details: (fields.details as Record<string, string>) ?? {},
            entity: typeof fields.entity === "string" ? fields.entity : "",
            source: typeof fields.source === "string" ? fields.source : String(req.socket.remoteAddress),
            responders: Array.isArray(fields.responders) ? fields.responders : [],
            notes:
              typeof fields.note === "string" ? [{ note: fields.note, source: String(fields.source) }] : [],
          });
          recorded.status = "Created alert";
        }
        return accepted();
      }

      const action = /^\/v2\/alerts\/([^/]+)\/(close|priority)$/.exec(url.pathname);
      if (action) {
        const identifier = decodeURIComponent(action[1] ?? "");
        const type = url.searchParams.get("identifierType") ?? "id";
        if (!identifierTypes.has(type)) {
          return send(
            res,
            422,
            {
              message: "Request body is not processable. Please check the errors.",
              errors: { identifierType: "Identifier type should be one of [id, tiny, alias]" },
              took: took(),
              requestId,
            },
            requestId,
          );
        }
        const alert = find(identifier, type);
        if (action[2] === "close" && req.method === "POST") {
          if (!alert || alert.status === "closed") {
            recorded.status = "Alert does not exist";
            if (state.closeAbsentAnswers404) {
              return send(
                res,
                404,
                { message: `Alert with alias [${identifier}] does not exist.`, took: took(), requestId },
                requestId,
              );
            }
            return accepted();
          }
          alert.status = "closed";
          if (typeof fields.note === "string")
            alert.notes.push({ note: fields.note, source: String(fields.source) });
          recorded.status = "Closed alert";
          return accepted();
        }
        if (action[2] === "priority" && req.method === "PUT") {
          if (!priorities.has(String(fields.priority))) {
            return send(
              res,
              422,
              {
                message: "Request body is not processable. Please check the errors.",
                errors: { priority: "Priority should be one of [P1, P2, P3, P4, P5]" },
                took: took(),
                requestId,
              },
              requestId,
            );
          }
          if (!alert) {
            recorded.status = "Alert does not exist";
            return accepted();
          }
          alert.priority = String(fields.priority);
          recorded.status = "Updated priority";
          return accepted();
        }
      }
      return send(
        res,
        404,
        { message: "No handler found for the request.", took: took(), requestId },
        requestId,
      );
    });
  });
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const emulator: OpsgenieEmulator = {
    url: `http://127.0.0.1:${port}`,
    port,
    apiKey,
    alerts,
    requests,
    inject: (...answers) => injected.push(...answers),
    get closeAbsentAnswers404() {
      return state.closeAbsentAnswers404;
    },
    set closeAbsentAnswers404(value: boolean) {
      state.closeAbsentAnswers404 = value;
    },
    get hang() {
      return state.hang;
    },
    set hang(value: boolean) {
      state.hang = value;
    },
    close: () => closeServer(server),
  };
  return emulator;
}

function closeServer(server: Server): Promise<void> {
  if (!open.delete(server)) return Promise.resolve();
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Closes every emulator still open. */
export async function closeEmulators(): Promise<void> {
  await Promise.all([...open].map(closeServer));
}
