import {
  type DeliveryReceipt,
  type HandlerSpec,
  type Incident,
  type IncidentState,
  type ModuleDefinition,
  moduleDefinitionSchema,
  type NotificationKind,
  type SampleResult,
  sampleResultSchema,
  sampleStatuses,
  silenceSchema,
} from "@amstaff/core";
import { z } from "zod";

const monitorStatus = z.enum([...sampleStatuses, "pending"]);

/**
 * The commands of the server's state machine, one per kind of change. They travel through the
 * replicated log as JSON, so they carry every input `apply` needs (including the time): applying the
 * same commands in the same order gives the same state on every node.
 */
export const commandSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("cluster.init"),
    clusterId: z.string().min(1),
    at: z.number(),
  }),
  z.object({
    type: z.literal("module.put"),
    name: z.string(),
    source: z.string(),
    definition: moduleDefinitionSchema,
    /** The name of the token that pushed it. */
    by: z.string().optional(),
    at: z.number(),
  }),
  z.object({
    type: z.literal("module.delete"),
    name: z.string(),
    at: z.number(),
  }),
  z.object({
    type: z.literal("transition.record"),
    module: z.string(),
    monitor: z.string(),
    /** The module version the runner sampled with: a transition from a replaced module is refused. */
    moduleVersion: z.number().int(),
    from: monitorStatus,
    to: z.enum(sampleStatuses),
    since: z.number(),
    previousSince: z.number().optional(),
    /** Whether the monitor is flapping after this change (a change of flapping alone keeps the status). */
    flapping: z.boolean().default(false),
    result: sampleResultSchema,
    /** The node that proposed it and its grant's fencing token: a stale owner is refused. */
    owner: z.string().optional(),
    token: z.number().int().optional(),
    at: z.number(),
  }),
  z.object({
    type: z.literal("delivery.attempt"),
    id: z.string(),
    attempt: z.number().int().min(1),
    /**
     * `sending` claims the attempt number before the handler is called, so that no number is ever sent
     * twice, by this owner or the next one; the others record how the attempt ended.
     */
    outcome: z.enum(["sending", "delivered", "retrying", "failed"]),
    error: z.string().optional(),
    nextAttemptAt: z.number().optional(),
    /** What the handler returned, kept for later deliveries of the same incident. */
    receipt: z.record(z.string(), z.json()).optional(),
    /** The node that proposed it and its grant's fencing token: a stale owner is refused. */
    owner: z.string().optional(),
    token: z.number().int().optional(),
    at: z.number(),
  }),
  z.object({
    /**
     * Time passed for an open incident: reminders, escalation stages whose delay came, and alerts held
     * back by a suppression that has ended. Refused when nothing is due at `at`.
     */
    type: z.literal("incident.remind"),
    module: z.string(),
    monitor: z.string(),
    incident: z.string(),
    /** The node that proposed it and its grant's fencing token: a stale owner is refused. */
    owner: z.string().optional(),
    token: z.number().int().optional(),
    at: z.number(),
  }),
  z.object({
    type: z.literal("incident.ack"),
    module: z.string(),
    monitor: z.string(),
    /** When given, only this incident is acknowledged (a stale button cannot ack a newer incident). */
    incident: z.string().optional(),
    by: z.string().min(1).max(200),
    at: z.number(),
  }),
  z.object({
    /** A silence: alerts in its scope are held back (and recorded) until `until`. */
    type: z.literal("silence.add"),
    silence: silenceSchema,
    at: z.number(),
  }),
  z.object({
    /** Ends a silence early. */
    type: z.literal("silence.remove"),
    id: z.string().min(1),
    at: z.number(),
  }),
  z.object({
    /** A node says where its API is (proposed by the node itself once it can reach the leader). */
    type: z.literal("node.announce"),
    node: z.string().min(1),
    apiUrl: z.string().min(1),
    raftAddress: z.string().optional(),
    at: z.number(),
  }),
  z.object({
    /** A node is added (before Raft adds it as a learner): every node learns its Raft address. */
    type: z.literal("node.add"),
    node: z.string().min(1),
    raftAddress: z.string().min(1),
    at: z.number(),
  }),
  z.object({
    type: z.literal("node.remove"),
    node: z.string().min(1),
    at: z.number(),
  }),
  z.object({
    /**
     * The leader gives a module to a node. The grant's fencing token is the log index of this
     * command, so it only grows. `handoff`: the previous owner was alive, so the new owner waits one
     * lease duration before running it (the old one may not have applied this yet).
     */
    type: z.literal("ownership.grant"),
    module: z.string(),
    node: z.string().min(1),
    handoff: z.boolean(),
    at: z.number(),
  }),
  z.object({
    /** The leader forgets the owner of a module that is gone and has nothing left to deliver. */
    type: z.literal("ownership.release"),
    module: z.string(),
    at: z.number(),
  }),
]);

/** A command of the server's state machine. */
export type Command = z.output<typeof commandSchema>;

/** A stored module: its source as pushed and what it evaluated to. */
export interface StoredModule {
  name: string;
  source: string;
  definition: ModuleDefinition;
  /** The log index of the push that created this version: it only grows, cluster-wide. */
  version: number;
  /** The module's own version number, 1 for its first push: what people see in `amstaff history`. */
  revision: number;
  /** SHA-256 of the source, hex. */
  hash: string;
  /** The name of the token that pushed this version. */
  pushedBy: string;
  createdAt: number;
  updatedAt: number;
}

/** One pushed version of a module, kept for history and rollback. */
export interface ModuleRevision {
  revision: number;
  version: number;
  hash: string;
  pushedBy: string;
  at: number;
  source: string;
  monitors: string[];
}

/** An incident as the state machine tracks it: alerting's state (see `decideAlerts` in @amstaff/core). */
export interface IncidentRecord extends IncidentState {
  /**
   * Handlers that heard of the incident but were removed from the monitor by a later push: they still
   * get its resolve, with the spec they were alerted with.
   */
  departed?: { index: number; handler: HandlerSpec }[] | undefined;
}

/** The committed status of one monitor. */
export interface MonitorRecord {
  module: string;
  monitor: string;
  status: z.output<typeof monitorStatus>;
  since?: number | undefined;
  /** Set while the monitor is flapping. */
  flapping?: boolean | undefined;
  lastTransitionId?: string | undefined;
  /** The open incident, while the monitor is failing. */
  incident?: IncidentRecord | undefined;
}

/** A committed status change. */
export interface TransitionRecord {
  id: string;
  module: string;
  monitor: string;
  tags: string[];
  from: z.output<typeof monitorStatus>;
  to: (typeof sampleStatuses)[number];
  since: number;
  previousSince?: number | undefined;
  result: SampleResult;
  incident?: Incident | undefined;
  kind: NotificationKind;
  /** Set while the monitor is flapping. */
  flapping?: boolean | undefined;
  /** Why its alerts were held back (a maintenance window, a silence, a failing dependency). */
  suppressed?: string | undefined;
  at: number;
}

/** One handler's delivery of one transition. */
export interface DeliveryRecord {
  /** Also the idempotency key sent downstream. */
  id: string;
  transitionId: string;
  module: string;
  monitor: string;
  /** The handler's position among the monitor's handlers. */
  handlerIndex: number;
  /** The handler as it was configured when the transition was committed. */
  handler: HandlerSpec;
  status: "pending" | "delivered" | "failed";
  /** Attempts whose outcome is recorded. */
  attempts: number;
  /**
   * The highest attempt number claimed for sending (absent before the first claim). A claimed attempt
   * without a recorded outcome was sent by an owner that died or lost the module before recording it.
   */
  claimed?: number | undefined;
  lastError?: string | undefined;
  nextAttemptAt: number;
  deliveredAt?: number | undefined;
  receipt?: DeliveryReceipt | undefined;
}

/** A node of the cluster as the state machine knows it (Raft's membership says whether it votes). */
export interface MemberRecord {
  id: string;
  apiUrl?: string | undefined;
  raftAddress?: string | undefined;
}

/** Who runs a module: the owner node and its fencing token (the log index of the grant). */
export interface OwnershipGrant {
  module: string;
  node: string;
  token: number;
  handoff: boolean;
  at: number;
}
