import type { ProbeDeadline } from "@amstaff/core";
import type { Dispatcher } from "undici";
import type { ReadBody } from "./bodyExpectation.js";

const noBody = Buffer.alloc(0);
const locationName = "location";

/** What a probe needs of one response: its status, where it redirects, and the part of its body read. */
export interface Answer {
  statusCode: number;
  /** The first `Location` header (latin1, as undici's parsed headers give it), if any. */
  location: string | undefined;
  read: ReadBody & { bytes: number };
}

/** What {@link exchange} reads of a response's body. */
export interface BodyPlan {
  /** Bytes read at most; past them the connection is dropped and the body counts as truncated. */
  maxBodyBytes: number;
  /** Whether to keep the bytes (a body expectation) or only count them. */
  keep: boolean;
  /** Whether a response that redirects (with a `Location`) is only drained, up to {@link redirectBytes}. */
  followRedirects: boolean;
}

/** A redirect's body is read and dropped up to this much, so its connection can be reused. */
export const redirectBytes = 64 * 1024;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Whether a response is a redirect the probe follows. */
export function isRedirect(statusCode: number, location: string | undefined): boolean {
  return redirectStatuses.has(statusCode) && location !== undefined && location !== "";
}

/**
 * One request through undici's dispatch handler interface, as one object: undici's `request()` adds, per
 * request, a `RequestHandler`, a `Readable` for the body with its state and listeners, the response
 * headers parsed into an object, and a listener on an `AbortSignal`. A probe needs none of them, and
 * each lived as long as the request: the requests under way at a young-generation GC were promoted
 * (bench/README.md, "What survives a scavenge").
 *
 * Aborting goes through the deadline's {@link ProbeDeadline.onAbort} (undici hands the handler its abort
 * function), so neither the probe nor the request needs an `AbortController`.
 *
 * It implements the callbacks undici 7 marks deprecated (`onConnect`, `onHeaders`, `onData`, `onComplete`,
 * `onError`) on purpose: undici 7's `Client` calls exactly these, while a handler with the newer
 * `onRequestStart`/`onResponse*` callbacks is wrapped per request in an `UnwrapHandler` and a controller:
 * two more objects per probe. If a later undici drops the deprecated callbacks, this moves to the
 * controller API.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #deadline: ProbeDeadline;
  readonly #plan: BodyPlan;
  readonly #state: { headers: boolean };
  readonly #resolve: (answer: Answer) => void;
  readonly #reject: (error: unknown) => void;
  #abort: ((reason?: Error) => void) | undefined;
  #settled = false;
  #statusCode = 0;
  #location: string | undefined;
  #limit = 0;
  #keep = false;
  #chunks: Buffer[] | undefined;
  #bytes = 0;

  constructor(
    deadline: ProbeDeadline,
    plan: BodyPlan,
    state: { headers: boolean },
    resolve: (answer: Answer) => void,
    reject: (error: unknown) => void,
  ) {
    this.#deadline = deadline;
    this.#plan = plan;
    this.#state = state;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    // Called at once when the deadline passed already.
    this.#deadline.onAbort(abort as (reason: unknown) => void);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // Informational answers (100 Continue) come before the response.
    if (statusCode < 200) return true;
    this.#state.headers = true;
    this.#statusCode = statusCode;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      if (name.length === locationName.length && name.toString("latin1").toLowerCase() === locationName) {
        this.#location = rawHeaders[i + 1]!.toString("latin1");
        break;
      }
    }
    const plan = this.#plan;
    if (plan.followRedirects && isRedirect(statusCode, this.#location)) this.#limit = redirectBytes;
    else {
      this.#limit = plan.maxBodyBytes;
      this.#keep = plan.keep;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#settled) return true;
    const room = this.#limit - this.#bytes;
    if (chunk.length > room) {
      if (this.#keep) this.#hold(chunk.subarray(0, room));
      this.#bytes += room;
      this.#finish(true);
      // The rest of a large body is never downloaded.
      this.#abort?.();
      return true;
    }
    if (this.#keep) this.#hold(chunk);
    this.#bytes += chunk.length;
    return true;
  }

  #hold(chunk: Buffer): void {
    if (this.#chunks === undefined) this.#chunks = [chunk];
    else this.#chunks.push(chunk);
  }

  onComplete(): void {
    this.#finish(false);
  }

  // Once settled, an exchange leaves the deadline alone: the probe's next request (a redirect) may have
  // given it its own abort function by the time undici reports this one's end.
  onError(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadline.onAbort(undefined);
    this.#reject(error);
  }

  #finish(truncated: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadline.onAbort(undefined);
    const chunks = this.#chunks;
    // A copy, as undici's own body stream gave: a chunk is a view of the socket's read buffer.
    const raw = chunks === undefined ? noBody : Buffer.concat(chunks);
    this.#resolve({
      statusCode: this.#statusCode,
      location: this.#location,
      read: { raw, truncated, maxBodyBytes: this.#plan.maxBodyBytes, bytes: this.#bytes },
    });
  }
}

/**
 * Sends one request and reads its response as `plan` says, aborted by `deadline`. Rejects with undici's
 * error (or the deadline's reason) when the request fails; `state.headers` becomes true once a response's
 * headers came (a timeout after that is the body's).
 */
export function exchange(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  deadline: ProbeDeadline,
  plan: BodyPlan,
  state: { headers: boolean },
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    dispatcher.dispatch(options, new Exchange(deadline, plan, state, resolve, reject));
  });
}
