import { z } from "zod";
import { commandSchema } from "../state/commands.js";
import type { ApplyResult } from "../state/stateMachine.js";

/**
 * The node-to-node protocol: every internal endpoint, its request and its answer. The server half is
 * `rpcServer.ts`, the client half `rpcClient.ts`. Its wire format is fixed: nodes of two versions talk
 * to each other during a rolling upgrade. Requests carry the cluster's internal token as a bearer token
 * (and, with certificates, travel over mutual TLS); a follower answers `421 {"retry": true}` to what
 * only the leader serves.
 *
 * | endpoint                       | body                      | answer (200)            |
 * |--------------------------------|---------------------------|-------------------------|
 * | `POST /_cluster/propose`       | `{ command }`             | {@link Applied}         |
 * | `POST /_cluster/propose-batch` | `{ commands }`            | `{ outcomes }`, see {@link ForwardOutcome} |
 * | `POST /_cluster/lease`         | `{ node }`                | `{ index }`             |
 * | `POST /_cluster/read-index`    | none                      | `{ index }`             |
 * | `GET /_cluster/view`           | none                      | the cluster view        |
 * | `POST /_cluster/members`       | `{ id, raftAddress }`     | `{ ok: true }`          |
 * | `DELETE /_cluster/members/:id` | none                      | `{ ok: true }`          |
 * | `POST /_cluster/uptime-days`   | {@link uptimeDaysRequestSchema} | `{ days }`        |
 * | `POST /_cluster/glance`        | {@link glanceRequestSchema} | {@link glanceReplySchema} |
 */
export const rpcPaths = {
  /** A follower forwards a command to the leader, which appends it and answers its result. */
  propose: "/_cluster/propose",
  /**
   * A follower forwards the commands its node proposed meanwhile in one request; the leader appends them
   * in one turn (one durable write) and answers each one's outcome. A leader of a version without it
   * answers 404: the follower then forwards one command per request.
   */
  proposeBatch: "/_cluster/propose-batch",
  /** A node renews its ownership lease with the leader (see `ownership.ts`). */
  lease: "/_cluster/lease",
  /** ReadIndex (Raft dissertation §6.4): the leader confirms it leads and answers its applied index. */
  readIndex: "/_cluster/read-index",
  /** The leader's view of the cluster, with each node's health. */
  view: "/_cluster/view",
  /** A membership change, forwarded to the leader. */
  members: "/_cluster/members",
  /** Any node: its daily sample counts of some monitors (the status pages' uptime bars). */
  uptimeDays: "/_cluster/uptime-days",
  /** Any node: the overview's bars (recent samples, uptime) of the monitors it runs. */
  glance: "/_cluster/glance",
} as const;

/** The body of `POST /_cluster/uptime-days`: monitors and a range of UTC days (at most 400). */
export const uptimeDaysRequestSchema = z
  .object({
    monitors: z.array(z.tuple([z.string(), z.string()])).max(10_000),
    fromDay: z.number().int(),
    toDay: z.number().int(),
  })
  .refine((r) => r.toDay >= r.fromDay && r.toDay - r.fromDay <= 400, "at most 400 days");

const count = z.number().int().min(0);

/** The answer of `POST /_cluster/uptime-days`: each monitor's `[day, ok, warning, critical, unknown]` rows. */
export const uptimeDaysReplySchema = z.object({
  days: z.array(z.array(z.tuple([z.number().int(), count, count, count, count]))),
});

/** The body of `POST /_cluster/glance`: all the monitors the node runs, or only some; `recent`: with samples. */
export const glanceRequestSchema = z.object({
  monitors: z
    .array(z.tuple([z.string(), z.string()]))
    .max(10_000)
    .optional(),
  recent: z.boolean().optional(),
});

const fraction = z.number().min(0).max(1).nullable();

/** A monitor's recent samples and uptime, as `GET …/recent` answers them and nodes forward them. */
export const recentViewSchema = z.object({
  samples: z.array(
    z.object({
      t: z.number(),
      status: z.enum(["ok", "warning", "critical", "unknown"]),
      latencyMs: z.number(),
      message: z.string().optional(),
    }),
  ),
  uptime: z.object({ h24: fraction, d30: fraction }),
});

/** The answer of `POST /_cluster/glance` (see `runtime/peerGlances.ts`). */
export const glanceReplySchema = z.object({
  rows: z.array(
    z.object({
      m: z.string(),
      n: z.string(),
      hs: z
        .string()
        .regex(/^[owcu]*$/)
        .optional(),
      hl: z.array(z.number()).optional(),
      u24: fraction.optional(),
      u30: fraction.optional(),
    }),
  ),
  recent: z.array(recentViewSchema).optional(),
});

/** The path that removes member `id`. */
export const memberPath = (id: string): string => `${rpcPaths.members}/${encodeURIComponent(id)}`;

/** The member id of a {@link memberPath}, or undefined when `path` is not one. */
export function memberIdOf(path: string): string | undefined {
  const match = /^\/_cluster\/members\/([^/]+)$/.exec(path);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** Whether a request is for the internal, node-to-node endpoints. */
export function isInternalPath(url: string | undefined): boolean {
  return url?.startsWith("/_cluster/") ?? false;
}

/**
 * The largest body of an internal request: a forwarded command is at most what one Raft frame carries
 * (64 MiB); without a bound, one request could fill the node's memory before anything checked it.
 */
export const maxInternalBodyBytes = 64 * 1024 * 1024;

/** What the leader answers to a forwarded proposal: the command's result and its log index. */
export interface Applied {
  result: ApplyResult;
  index: number;
}

/** Where a node serves the internal endpoints, with its id (checked against its certificate). */
export interface RpcTarget {
  node: string;
  url: string;
}

/** The body of `POST /_cluster/lease`. */
export const leaseRequestSchema = z.object({ node: z.string() });

/** The answer of `POST /_cluster/lease` and `POST /_cluster/read-index`: the leader's applied index. */
export const indexReplySchema = z.object({ index: z.number() });

/** The answer of a follower to what only the leader serves (HTTP 421): try the leader. */
export const retryReply = { retry: true } as const;

/** The status of {@link retryReply}. */
export const retryStatus = 421;

/** The body of `POST /_cluster/propose`: one command. */
export const proposeRequestSchema = z.object({ command: commandSchema });

/** The most commands of one `POST /_cluster/propose-batch`. */
export const maxForwardBatch = 1_000;

/** The body of `POST /_cluster/propose-batch`. */
export const proposeBatchSchema = z.object({ commands: z.array(commandSchema).min(1).max(maxForwardBatch) });

/**
 * One command's outcome in the answer of `POST /_cluster/propose-batch`: exactly the status and body
 * `POST /_cluster/propose` would have answered for it alone, so both are read the same way.
 */
export interface ForwardOutcome {
  status: number;
  body: unknown;
}
