import { abortReason, describeNetworkError, errorCodesOf } from "@amstaff/core";
import { type Dispatcher, request } from "undici";
import { sharedAgent } from "./sharedAgent.js";

/** One HTTP request of a delivery. */
export interface HttpRequest {
  /** The full URL, query included. */
  url: string;
  /** The method, e.g. `POST`. */
  method: Dispatcher.HttpMethod;
  /** The request headers, names in lower case. */
  headers: Record<string, string>;
  /** The request body (JSON, as the handlers send). */
  body?: string;
}

/** An HTTP answer, whatever its status. */
export interface HttpAnswer<Body extends object = Record<string, unknown>> {
  /** The status code. */
  status: number;
  /** The response headers, as undici gives them (names in lower case). */
  headers: Record<string, string | string[] | undefined>;
  /** The body's text, up to {@link ExchangeOptions.answerLimit} bytes. */
  text: string;
  /** The body parsed as a JSON object, or `undefined` when it is not one. */
  body: Body | undefined;
}

/** How an exchange runs. */
export interface ExchangeOptions {
  /** Aborts the request: the delivery's own signal (a shutdown, the delivery's deadline). */
  signal: AbortSignal;
  /** How long to wait for the answer, headers and body, in milliseconds. */
  timeoutMs: number;
  /**
   * The undici dispatcher the request goes through.
   * @default {@link sharedAgent}
   */
  dispatcher?: Dispatcher | undefined;
  /**
   * How many bytes of the answer's body are read; the rest is never downloaded.
   * @default 65536
   */
  answerLimit?: number;
}

/** Why an exchange got no answer: the caller aborted it, the receiver was too slow, or the network failed. */
export type TransportFailureKind = "aborted" | "timeout" | "network";

/**
 * An exchange that got no answer. Its message says why in one line (the abort's reason, or the network
 * failure explained in terms of the target); `cause` is the underlying error. Always worth a retry.
 */
export class TransportFailure extends Error {
  /** Why no answer came. */
  readonly kind: TransportFailureKind;

  /**
   * @param kind - why no answer came
   * @param message - one line saying so
   * @param cause - the underlying error, if any
   */
  constructor(kind: TransportFailureKind, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "TransportFailure";
    this.kind = kind;
  }
}

/**
 * Sends one request and reads its answer, within `timeoutMs` and until `signal` aborts.
 *
 * @throws TransportFailure when no answer came (aborted, timed out, or a network failure).
 * @example
 * ```ts
 * const answer = await exchange(
 *   { url: "https://ntfy.sh/", method: "POST", headers: { "content-type": "application/json" }, body },
 *   { signal, timeoutMs: 10_000 },
 * );
 * ```
 */
export async function exchange<Body extends object = Record<string, unknown>>(
  target: HttpRequest,
  options: ExchangeOptions,
): Promise<HttpAnswer<Body>> {
  const { signal, timeoutMs } = options;
  if (signal.aborted) throw new TransportFailure("aborted", abortReason(signal));
  const both = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  try {
    const response = await request(target.url, {
      method: target.method,
      headers: target.headers,
      ...(target.body === undefined ? {} : { body: target.body }),
      signal: both,
      dispatcher: options.dispatcher ?? sharedAgent(),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await readPrefix(response.body, options.answerLimit ?? 64 * 1024);
    return { status: response.statusCode, headers: response.headers, text, body: parseObject<Body>(text) };
  } catch (error) {
    if (signal.aborted) throw new TransportFailure("aborted", abortReason(signal), error);
    // undici's own header/body timers can beat the abort signal to the same deadline.
    const undiciTimeout = errorCodesOf(error).some(
      (c) => c === "UND_ERR_HEADERS_TIMEOUT" || c === "UND_ERR_BODY_TIMEOUT",
    );
    if (both.aborted || undiciTimeout) throw new TransportFailure("timeout", "timeout", error);
    throw new TransportFailure("network", describeNetworkError(error, new URL(target.url)).message, error);
  }
}

async function readPrefix(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream: the rest of a large answer is never downloaded.
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

function parseObject<Body extends object>(text: string): Body | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Body) : undefined;
  } catch {
    return undefined;
  }
}
