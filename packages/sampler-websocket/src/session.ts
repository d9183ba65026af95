import WebSocket from "ws";

/** How to reach the server and what to say to it. */
export interface SessionPlan {
  url: string;
  headers: Record<string, string>;
  subprotocols: string[];
  ca?: string | undefined;
  insecure: boolean;
  maxMessageBytes: number;
  /** Sent once the connection is open. */
  send?: string | undefined;
  /** Tests each message; without it the session ends once open (and `send` written). */
  check?: ((message: string) => boolean) | undefined;
}

/** What happened so far, filled in as it happens, so that a probe that times out can say how far it got. */
export interface SessionProgress {
  /** Milliseconds from the start to the open connection (handshake done). */
  openedMs?: number;
  /** The subprotocol the server chose, if any. */
  subprotocol?: string;
  /** Messages received. */
  messages: number;
  /** The latest message received, as text. */
  lastMessage?: string;
  /** Whether a message met the expectation. */
  matched?: boolean;
  /** The HTTP status of a handshake the server refused (anything but 101). */
  refusedStatus?: number;
  /** The close code and reason, when the server closed first. */
  closed?: { code: number; reason: string };
}

/**
 * Opens a WebSocket, sends, and reads messages until one passes `check`, the server closes, or the signal
 * aborts. Resolves when the session is over for any of the first reasons (see `progress` for which);
 * rejects with the connection's error or the signal's reason.
 */
export function runSession(plan: SessionPlan, progress: SessionProgress, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const started = performance.now();
    const socket = new WebSocket(plan.url, plan.subprotocols, {
      headers: plan.headers,
      ...(plan.ca === undefined ? {} : { ca: plan.ca }),
      rejectUnauthorized: !plan.insecure,
      maxPayload: plan.maxMessageBytes,
      // A redirect would carry the handshake headers (credentials) to wherever it points.
      followRedirects: false,
    });
    const finish = (error?: unknown) => {
      signal.removeEventListener("abort", onAbort);
      socket.removeAllListeners();
      // Errors after the outcome is known (the terminate below, a late reset) change nothing.
      socket.on("error", () => {});
      socket.terminate();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) return onAbort();

    socket.on("unexpected-response", (_request, response) => {
      progress.refusedStatus = response.statusCode ?? 0;
      response.resume();
      finish();
    });
    socket.on("open", () => {
      progress.openedMs = performance.now() - started;
      if (socket.protocol) progress.subprotocol = socket.protocol;
      if (plan.send !== undefined) {
        socket.send(plan.send, (error) => {
          if (error) finish(error);
          else if (plan.check === undefined) finish();
        });
      } else if (plan.check === undefined) finish();
    });
    socket.on("message", (data: WebSocket.RawData) => {
      const message = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString(
        "utf8",
      );
      progress.messages += 1;
      progress.lastMessage = message;
      if (plan.check?.(message)) {
        progress.matched = true;
        finish();
      }
    });
    socket.on("close", (code, reason) => {
      progress.closed = { code, reason: reason.toString("utf8") };
      finish();
    });
    socket.on("error", (error) => finish(error));
  });
}
