import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { EmulatorControls, startReceiver } from "@amstaff/core/testing";

/**
 * A local emulator of PagerDuty's Events API v2, at the wire:
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and its OpenAPI description
 * https://raw.githubusercontent.com/PagerDuty/api-schema/main/reference/events-v2/openapiv3.json:
 * `POST /v2/enqueue`, `202 {"status":"success","message":"Event processed","dedup_key":…}`, `400
 * {"status":"invalid event","message":"Event object is invalid","errors":[…]}` for the documented field
 * rules, `429` with an empty body when an integration sends too many events, and alert deduplication on
 * `dedup_key`. PagerDuty processes events asynchronously after its `202`, which the handler cannot tell apart.
 */

/** An alert as the emulator keeps it. */
export interface EmulatedAlert {
  dedupKey: string;
  routingKey: string;
  status: "triggered" | "acknowledged" | "resolved";
  /** The payload of the trigger that opened the alert. */
  payload: Record<string, unknown>;
  /** How many trigger events were deduplicated into it. */
  triggers: number;
}

/** One request the emulator received. */
export interface EmulatedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A running emulator: its URL, what it received and keeps, and switches for failure tests. */
export interface PagerdutyEmulator extends EmulatorControls {
  /** The origin to use as `baseUrl`, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** The routing key of its one integration (32 characters). */
  routingKey: string;
  alerts: EmulatedAlert[];
  requests: EmulatedRequest[];
  /**
   * Events the emulator's integrations may send per window; more get `429` with an empty body, as PagerDuty
   * answers an integration over its rate limit. Injected answers have an empty body unless given one.
   * @default { limit: 120, windowMs: 60_000 }
   */
  rateLimit: { limit: number; windowMs: number };
  close(): Promise<void>;
}

const actions = new Set(["trigger", "acknowledge", "resolve"]);
const severities = new Set(["critical", "error", "warning", "info"]);

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain" : "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const blank = (value: unknown) => typeof value !== "string" || value.trim() === "";

/** Validates an alert event the way the Events API documents its fields; returns the `errors` list. */
function validate(event: Record<string, unknown>, acceptAnyKey: boolean): string[] {
  const errors: string[] = [];
  const { routing_key, event_action, dedup_key, payload, links, images } = event;
  if (blank(routing_key)) errors.push("'routing_key' is missing or blank");
  else if (!acceptAnyKey && String(routing_key).length !== 32)
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  if (!actions.has(String(event_action)))
    errors.push(
      "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
    );
  if (dedup_key !== undefined && (typeof dedup_key !== "string" || dedup_key.length > 255))
    errors.push("Length of 'dedup_key' is too long (should be at most 255 characters)");
  if (event_action !== "trigger" && blank(dedup_key)) errors.push("'dedup_key' is missing or blank");
  if (event_action === "trigger") {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      errors.push("'payload' is missing or blank");
    } else {
      const { summary, source, severity, timestamp } = payload as Record<string, unknown>;
      if (blank(summary)) errors.push("'payload.summary' is missing or blank");
      else if (String(summary).length > 1024)
        errors.push("Length of 'payload.summary' is too long (should be at most 1024 characters)");
      if (blank(source)) errors.push("'payload.source' is missing or blank");
      if (!severities.has(String(severity)))
        errors.push(
          "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
        );
      if (timestamp !== undefined && Number.isNaN(Date.parse(String(timestamp))))
        errors.push("'payload.timestamp' is invalid (must be ISO 8601)");
    }
  }
  if (
    links !== undefined &&
    (!Array.isArray(links) || links.some((l) => blank((l as { href?: unknown })?.href)))
  )
    errors.push("'links' is invalid (each link must have an 'href')");
  if (images !== undefined && !Array.isArray(images)) errors.push("'images' is invalid (must be an array)");
  return errors;
}

/** Starts an emulator on a free port. Close it, or every one at once with `closeReceivers` from `@amstaff/core/testing` in `afterEach`. */
export async function startPagerdutyEmulator(
  routingKey = "R0123456789ABCDEF0123456789ABCDE",
  options: { acceptAnyKey?: boolean } = {},
): Promise<PagerdutyEmulator> {
  const alerts: EmulatedAlert[] = [];
  const requests: EmulatedRequest[] = [];
  const controls = new EmulatorControls({ limit: 120, windowMs: 60_000 });
  const acceptAnyKey = options.acceptAnyKey === true;

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
    if (next) return send(res, next.status, next.body ?? "", next.headers);
    if (path !== "/v2/enqueue") return send(res, 404, { status: "not found", message: "Not Found" });
    if (req.method !== "POST")
      return send(res, 405, { status: "method not allowed", message: "Not Allowed" });
    const invalid = (errors: string[]) =>
      send(res, 400, { status: "invalid event", message: "Event object is invalid", errors });
    if (typeof body !== "object" || body === null || Array.isArray(body)) return invalid(["Malformed JSON"]);
    const event = body as Record<string, unknown>;
    const errors = validate(event, acceptAnyKey);
    if (errors.length > 0) return invalid(errors);

    if (controls.throttle() !== undefined) return send(res, 429, "");
    const key = String(event.routing_key);
    const action = String(event.event_action);
    const dedupKey =
      typeof event.dedup_key === "string" ? event.dedup_key : crypto.randomUUID().replaceAll("-", "");
    // Events for another integration's key go nowhere here: only the emulator's own integration has alerts.
    const known = acceptAnyKey || key === routingKey;
    const current = alerts.find(
      (a) => a.dedupKey === dedupKey && a.routingKey === key && a.status !== "resolved",
    );
    if (known && action === "trigger") {
      if (current) current.triggers++;
      else
        alerts.push({
          dedupKey,
          routingKey: key,
          status: "triggered",
          payload: event.payload as Record<string, unknown>,
          triggers: 1,
        });
    } else if (known && current && action === "acknowledge") {
      current.status = "acknowledged";
    } else if (known && current && action === "resolve") {
      current.status = "resolved";
    }
    return send(res, 202, { status: "success", message: "Event processed", dedup_key: dedupKey });
  });
  return Object.assign(controls, {
    url: `http://127.0.0.1:${receiver.port}`,
    routingKey,
    alerts,
    requests,
    close: () => receiver.close(),
  });
}
