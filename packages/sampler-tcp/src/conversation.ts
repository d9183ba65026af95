import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connect as connectTls, type PeerCertificate, type TLSSocket } from "node:tls";
import type { ReplyCheck, ReplyVerdict } from "./replyExpectation.js";

/** How to reach the server and what to say to it. */
export interface ConversationPlan {
  host: string;
  port: number;
  /** TLS settings; plain TCP when absent. */
  tls?: { servername?: string | undefined; ca?: string | undefined; insecure: boolean } | undefined;
  /** Written once connected. */
  send?: string | undefined;
  /** Judges the reply; without it the conversation ends once connected (and `send` written). */
  check?: ReplyCheck | undefined;
  maxReplyBytes: number;
}

/**
 * What happened so far, filled in as it happens so that a probe that times out can still say how far it got
 * (connected? what did the server say?).
 */
export interface ConversationProgress {
  /** Milliseconds from the start to the connection being usable (after the TLS handshake). */
  connectedMs?: number;
  /** The TLS protocol negotiated, like `"TLSv1.3"`. */
  protocol?: string;
  /** The certificate the server presented. */
  certificate?: PeerCertificate;
  /** The reply received so far, decoded as UTF-8. */
  reply: string;
  /** Bytes of the reply received. */
  bytes: number;
  /** How the reply was judged, once it was. */
  verdict?: ReplyVerdict;
}

/**
 * Connects, sends, and reads the reply until `check` decides, the server closes the connection or
 * `maxReplyBytes` are read. Rejects with the socket's error (refused, TLS, reset...) or the signal's reason.
 */
export function converse(
  plan: ConversationPlan,
  progress: ConversationProgress,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = plan.tls
      ? connectTls({
          host: plan.host,
          port: plan.port,
          // SNI carries host names only (RFC 6066 §3); for an address, Node checks the certificate's IP SANs.
          ...(plan.tls.servername !== undefined
            ? { servername: plan.tls.servername }
            : isIP(plan.host) === 0
              ? { servername: plan.host }
              : {}),
          ...(plan.tls.ca === undefined ? {} : { ca: plan.tls.ca }),
          rejectUnauthorized: !plan.tls.insecure,
        })
      : connectTcp({ host: plan.host, port: plan.port });
    const decoder = new TextDecoder();
    const finish = (error?: unknown) => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) return onAbort();

    const judge = (complete: boolean) => {
      if (plan.check === undefined) return;
      const verdict = plan.check(progress.reply, complete);
      if (verdict === "pending") return;
      progress.verdict = verdict;
      finish();
    };
    socket.once(plan.tls ? "secureConnect" : "connect", () => {
      progress.connectedMs = performance.now() - started;
      if (plan.tls) {
        const tls = socket as TLSSocket;
        progress.protocol = tls.getProtocol() ?? undefined;
        progress.certificate = tls.getPeerCertificate();
      }
      if (plan.send !== undefined) {
        socket.write(plan.send, (error) => {
          if (error) finish(error);
          else if (plan.check === undefined) finish();
        });
      } else if (plan.check === undefined) finish();
    });
    socket.on("data", (chunk: Buffer) => {
      const room = plan.maxReplyBytes - progress.bytes;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      progress.bytes += kept.length;
      const full = progress.bytes >= plan.maxReplyBytes;
      progress.reply += decoder.decode(kept, { stream: !full });
      judge(full);
    });
    socket.once("end", () => {
      progress.reply += decoder.decode();
      judge(true);
      // The server closed before anything was decided: with no check, the connection itself was the point.
      finish();
    });
    socket.once("error", (error) => finish(error));
  });
}
