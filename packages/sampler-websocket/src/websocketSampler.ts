import {
  checkThresholds,
  describeNetworkError,
  type JsonValue,
  type ProbeContext,
  parseDuration,
  parsePluginOptions,
  probeDeadline,
  type Resolved,
  requirePemCertificate,
  resolveSecrets,
  results,
  type SampleResult,
  type Sampler,
  type SamplerCreateContext,
} from "@amstaff/core";
import { describeExpectation, messageCheck } from "./messageExpectation.js";
import {
  type ParsedWebsocketSamplerOptions,
  type WebsocketSamplerOptions,
  websocketPluginId,
  websocketSamplerOptionsSchema,
} from "./options.js";
import { runSession, type SessionProgress } from "./session.js";

/** Validated WebSocket sampler options whose secrets have been resolved: what {@link createWebsocketSampler} takes. */
export type ResolvedWebsocketSamplerOptions = Resolved<ParsedWebsocketSamplerOptions>;

/** What {@link websocketSampler} takes besides the options: the sampler's identity. */
export interface WebsocketSamplerIdentity {
  /**
   * The sampler's name, shown in notifications.
   * @default "websocket <url>"
   */
  name?: string;
  /**
   * Free-form labels.
   * @default []
   */
  tags?: string[];
}

// Certificate problems are the commonest TLS failure, and `ca` is this sampler's own way out of them.
const networkErrorWording = {
  certificateDetail: true,
  untrustedAdvice: "give the CA that signed it as `ca`",
} as const;

/** A received message in a result: quoted, escaped, at most 120 characters. */
function quote(message: string): string {
  return JSON.stringify(message.length > 120 ? `${message.slice(0, 120)}…` : message);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * Creates a WebSocket sampler from options already validated and resolved, as the plugin's `create`
 * receives them. Most code wants {@link websocketSampler} instead.
 */
export function createWebsocketSampler(
  options: ResolvedWebsocketSamplerOptions,
  identity: Partial<SamplerCreateContext> = {},
): Sampler {
  requirePemCertificate(websocketPluginId, ["ca"], options.ca);
  const target = new URL(options.url);
  target.username = "";
  target.password = "";
  const url = target.href;
  // describeNetworkError speaks of http(s) URLs: the same host and default port as ws(s).
  const asHttp = new URL(url.replace(/^ws/, "http"));
  const timeoutMs = parseDuration(options.timeout);
  const expectation = options.expect;
  const plan = {
    url,
    headers: { "user-agent": "amstaff-sampler-websocket", ...options.headers },
    subprotocols: options.subprotocols ?? [],
    ca: options.ca,
    insecure: options.insecure,
    maxMessageBytes: options.maxMessageBytes,
    send: options.send,
    check: expectation && messageCheck(expectation),
  };

  async function probe(context?: ProbeContext): Promise<SampleResult> {
    const timestamp = Date.now();
    const started = performance.now();
    const progress: SessionProgress = { messages: 0 };
    const details = (): Record<string, JsonValue> => ({
      url,
      ...(progress.openedMs === undefined ? {} : { openMs: round(progress.openedMs) }),
      ...(progress.subprotocol === undefined ? {} : { subprotocol: progress.subprotocol }),
      ...(expectation === undefined ? {} : { messages: progress.messages }),
      ...(progress.closed === undefined ? {} : { closeCode: progress.closed.code }),
    });
    const received = () =>
      progress.lastMessage === undefined ? "no message" : `last message ${quote(progress.lastMessage)}`;
    const deadline = probeDeadline(timeoutMs, context, `no answer within ${timeoutMs} ms`);
    try {
      await runSession(plan, progress, deadline.signal);
    } catch (error) {
      const init = { durationMs: round(performance.now() - started), timestamp, details: details() };
      if (deadline.timedOut) {
        const message =
          progress.openedMs === undefined
            ? `no WebSocket connection to ${url} within ${timeoutMs} ms`
            : expectation === undefined
              ? `${url} opened but did not take the message within ${timeoutMs} ms`
              : `no ${describeExpectation(expectation)} from ${url} within ${timeoutMs} ms (${received()})`;
        return results.critical(message, init);
      }
      if (context?.signal.aborted) return results.unknown(`probe of ${url} aborted`, init);
      const reason =
        (error as { code?: string }).code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"
          ? `${url} sent a message larger than maxMessageBytes (${options.maxMessageBytes} bytes)`
          : describeNetworkError(error, asHttp, networkErrorWording).message;
      return results.critical(reason, init);
    } finally {
      deadline.dispose();
    }
    const latencyMs = round(performance.now() - started);
    const init = { value: latencyMs, durationMs: latencyMs, timestamp, details: details() };
    if (progress.refusedStatus !== undefined) {
      return results.critical(
        `HTTP ${progress.refusedStatus} from ${url} instead of a WebSocket upgrade`,
        init,
      );
    }
    if (expectation !== undefined && !progress.matched) {
      const { code, reason } = progress.closed ?? { code: 1006, reason: "" };
      return results.critical(
        `${url} closed the connection (${code}${reason ? ` ${reason}` : ""}) before a ${describeExpectation(expectation)} (${received()})`,
        init,
      );
    }
    const what = expectation === undefined ? "opened" : "replied";
    const found = `${url} ${what} in ${Math.round(latencyMs)} ms`;
    if (options.latency) {
      const { status, threshold } = checkThresholds(latencyMs, options.latency);
      if (status !== "ok") {
        return results.of(status, `${found}, reaching the ${status} threshold of ${threshold} ms`, init);
      }
    }
    return results.ok(found, init);
  }

  return {
    name: identity.name ?? `websocket ${url}`,
    tags: [...(identity.tags ?? [])],
    probe,
  };
}

/**
 * Creates a sampler that opens a WebSocket (ws:// or wss://) with optional handshake headers and
 * subprotocols, optionally sends a message and waits for an expected one, and judges the latency. Use it on
 * its own, in any Node.js program; module files use {@link websocket} instead.
 *
 * The sampler never throws from `probe()`: a refused handshake, a TLS failure, a missing message or a
 * timeout is a `critical` result saying what happened; an aborted probe is `unknown`.
 *
 * @throws AmstaffError `AMS_ERR_PLUGIN_OPTIONS` naming every invalid option.
 * @throws AmstaffError `AMS_ERR_SECRET_MISSING` when a `secret("NAME")` is not set in the environment.
 *
 * @example
 * ```ts
 * import { websocketSampler } from "@amstaff/sampler-websocket";
 *
 * const live = websocketSampler({ url: "wss://stream.example.com/live", send: "ping", expect: { equals: "pong" } });
 * const result = await live.probe();
 * console.log(result.status, result.message); // "ok" "wss://stream.example.com/live replied in 35 ms"
 * ```
 */
export function websocketSampler(options: WebsocketSamplerOptions & WebsocketSamplerIdentity): Sampler {
  const { name, tags, ...rest } = options;
  const parsed = parsePluginOptions({ id: websocketPluginId, options: websocketSamplerOptionsSchema }, rest);
  return createWebsocketSampler(resolveSecrets(parsed), {
    ...(name === undefined ? {} : { name }),
    ...(tags === undefined ? {} : { tags }),
  });
}
