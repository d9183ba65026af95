import type {
  HeartbeatPing,
  InboundMethod,
  InboundRequest,
  InboundResponse,
  InboundRoute,
  Integration,
  IntegrationHost,
} from "@amstaff/core";
import { z } from "zod";

/** The longest message kept from a ping's body, in bytes (the rest is cut): pings are log entries. */
export const pingMessageMaxBytes = 1024;

/** The largest ping body read; a job's log tail beyond this is answered `413`. */
export const pingBodyMaxBytes = 100 * 1024;

// 128 bits in base64url; anything else cannot be a ping id, so it is answered without a lookup.
const pingIdPattern = /^[A-Za-z0-9_-]{22}$/;

const text = (status: number, body: string): InboundResponse => ({ status, body: `${body}\n` });

/** What `/ping/<id>/<signal>` says: `start`, `fail`, or an exit code (0 is a success); undefined for anything else. */
export function parseSignal(signal: string | undefined): HeartbeatPing | undefined {
  if (signal === undefined) return { kind: "success" };
  if (signal === "start" || signal === "fail") return { kind: signal };
  if (!/^\d{1,3}$/.test(signal)) return undefined;
  const exitCode = Number(signal);
  if (exitCode > 255) return undefined;
  return { kind: exitCode === 0 ? "success" : "fail", exitCode };
}

/** The body as text, cut to {@link pingMessageMaxBytes} without splitting a character; undefined when empty. */
export function pingMessage(body: Uint8Array): string | undefined {
  if (body.byteLength === 0) return undefined;
  let end = Math.min(body.byteLength, pingMessageMaxBytes);
  // Back off continuation bytes (10xxxxxx) so a multi-byte character is never cut in half.
  while (end < body.byteLength && end > 0 && ((body[end] ?? 0) & 0xc0) === 0x80) end--;
  const message = new TextDecoder().decode(body.subarray(0, end)).trim();
  return message === "" ? undefined : message;
}

function handler(host: IntegrationHost) {
  return async (request: InboundRequest): Promise<InboundResponse> => {
    const id = request.params?.id ?? "";
    const signal = parseSignal(request.params?.signal);
    if (!pingIdPattern.test(id) || !signal) return text(404, "not found");
    const inbox = host.heartbeats;
    if (!inbox) return text(503, "this server records no heartbeat pings");
    const message = request.method === "POST" ? pingMessage(request.body) : undefined;
    let outcome: Awaited<ReturnType<typeof inbox.record>>;
    try {
      outcome = await inbox.record(id, { ...signal, ...(message === undefined ? {} : { message }) });
    } catch (error) {
      host.logger.warn({ err: String(error) }, "a heartbeat ping was not recorded");
      return text(503, "not recorded, try again");
    }
    return outcome === "unknown" ? text(404, "not found") : text(200, "OK");
  };
}

/**
 * The ping routes: `/ping/<id>` (success), `/ping/<id>/start`, `/ping/<id>/fail` and
 * `/ping/<id>/<exit-code>`, each for GET, HEAD and POST (a POST's body is kept as the message), so
 * `curl` and `wget` one-liners work. Unknown ids answer `404`; the id is the only credential.
 */
export function pingRoutes(host: IntegrationHost): InboundRoute[] {
  const handle = handler(host);
  const methods: InboundMethod[] = ["GET", "HEAD", "POST"];
  return ["/ping/:id", "/ping/:id/:signal"].flatMap((path) =>
    methods.map((method) => ({ method, path, maxBodyBytes: pingBodyMaxBytes, handle })),
  );
}

/**
 * The heartbeat's inbound side, served at `/integrations/heartbeat/ping/…` (and `/ping/…` by the
 * server). It has no settings: the ping id in the URL is what authenticates a ping.
 */
export const heartbeatIntegration: Integration = {
  path: "heartbeat",
  settings: z.object({}),
  routes: (_settings, host) => ({ routes: pingRoutes(host) }),
};
