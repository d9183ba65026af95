import type * as Grpc from "@grpc/grpc-js";
import { decodeHealthCheckResponse, encodeHealthCheckRequest, type ServingStatus } from "./healthMessages.js";

/** The method of the standard health protocol (https://github.com/grpc/grpc/blob/master/doc/health-checking.md). */
export const healthCheckMethod = "/grpc.health.v1.Health/Check";

/** One `Health/Check` call, its secrets resolved. */
export interface HealthCall {
  /** `host:port`, an IPv6 address in brackets. */
  address: string;
  service: string;
  metadata: Readonly<Record<string, string>>;
  tls?: { servername?: string | undefined; ca?: string | undefined; insecure: boolean } | undefined;
  deadlineMs: number;
  /** Cancels the call (CANCELLED). */
  signal?: AbortSignal | undefined;
}

/** What a `Health/Check` call ended with: the server's answer, or the call's gRPC status. */
export type HealthCallOutcome =
  | { answered: true; status: ServingStatus }
  | { answered: false; code: number; codeName: string; details: string };

let grpcModule: Promise<typeof Grpc> | undefined;

/** @grpc/grpc-js is loaded on the first probe, so a server that never probes gRPC never loads it. */
function loadGrpc(): Promise<typeof Grpc> {
  grpcModule ??= import("@grpc/grpc-js");
  return grpcModule;
}

function credentialsFor(grpc: typeof Grpc, tls: HealthCall["tls"]): Grpc.ChannelCredentials {
  if (tls === undefined) return grpc.credentials.createInsecure();
  const verify: Grpc.VerifyOptions = tls.insecure
    ? { rejectUnauthorized: false, checkServerIdentity: () => undefined }
    : {};
  return grpc.credentials.createSsl(tls.ca === undefined ? null : Buffer.from(tls.ca), null, null, verify);
}

/**
 * Calls `grpc.health.v1.Health/Check` once, on a channel of its own that is closed afterwards: a probe must
 * include connecting, and a channel kept between probes would hide a server that stopped accepting
 * connections. Never rejects for a failed call: its gRPC status is the outcome.
 */
export async function callHealthCheck(call: HealthCall): Promise<HealthCallOutcome> {
  const grpc = await loadGrpc();
  const servername = call.tls?.servername;
  const client = new grpc.Client(call.address, credentialsFor(grpc, call.tls), {
    ...(servername === undefined
      ? {}
      : { "grpc.ssl_target_name_override": servername, "grpc.default_authority": servername }),
    // grpc-js shares connections between channels through a global pool, and keeps an idle one around for a
    // while after its channel closes: a pool of the channel's own makes each probe connect afresh.
    "grpc.use_local_subchannel_pool": 1,
    // The health service answers in a few bytes; anything large is not it.
    "grpc.max_receive_message_length": 64 * 1024,
  });
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(call.metadata)) metadata.set(key, value);
  try {
    return await new Promise<HealthCallOutcome>((resolve) => {
      const pending = client.makeUnaryRequest(
        healthCheckMethod,
        encodeHealthCheckRequest,
        decodeHealthCheckResponse,
        call.service,
        metadata,
        { deadline: Date.now() + call.deadlineMs },
        (error, status) => {
          if (error) {
            const codeName = grpc.status[error.code] ?? String(error.code);
            resolve({ answered: false, code: error.code, codeName, details: error.details });
          } else {
            resolve({ answered: true, status: status ?? "UNKNOWN" });
          }
        },
      );
      call.signal?.addEventListener("abort", () => pending.cancel(), { once: true });
      if (call.signal?.aborted) pending.cancel();
    });
  } finally {
    client.close();
  }
}
