import { moduleDefinitionSchema, sampleResultSchema, sampleStatuses, silenceSchema } from "@amstaff/core";
import { z } from "zod";
import { exportedStateSchema } from "./import.js";
import { impactSchema, noteStatusSchema, statusPageRecordSchema } from "./statusPageSchema.js";

const monitorStatus = z.enum([...sampleStatuses, "pending"]);

/** Who made a change: the name, team and role of the API token that asked for it (for the audit). */
export const actorSchema = z.object({
  name: z.string().min(1).max(200),
  team: z.string().optional(),
  role: z.string().optional(),
});

/** Who made a change, as the audit records it. */
export type Actor = z.output<typeof actorSchema>;

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
    /**
     * The team the module is pushed as: a new module becomes that team's; a module that already belongs
     * to another team is refused (two teams racing for a new name). Absent (logs from before teams): the
     * module's team, or `default`.
     */
    team: z.string().optional(),
    actor: actorSchema.optional(),
    /** Set when this push re-applies an earlier revision. */
    rollbackOf: z.number().int().optional(),
    at: z.number(),
  }),
  z.object({
    type: z.literal("module.delete"),
    name: z.string(),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    /** An admin gives a module (and its history) to another team. */
    type: z.literal("module.team"),
    name: z.string(),
    team: z.string().min(1),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    /** A write that changes nothing else in this state (a cluster membership change), kept for the audit. */
    type: z.literal("audit.record"),
    action: z.string().min(1).max(100),
    target: z.string().max(200).optional(),
    detail: z.string().max(500).optional(),
    actor: actorSchema,
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
    /**
     * For a group sent one notification at a time (a handler without `notifyGroup`): each member
     * delivery's own receipt, by delivery id.
     */
    receipts: z.record(z.string(), z.record(z.string(), z.json())).optional(),
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
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    /** A silence: alerts in its scope are held back (and recorded) until `until`. */
    type: z.literal("silence.add"),
    silence: silenceSchema,
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    /** Ends a silence early. */
    type: z.literal("silence.remove"),
    id: z.string().min(1),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    /** A node says where its API is (proposed by the node itself once it can reach the leader). */
    type: z.literal("node.announce"),
    node: z.string().min(1),
    apiUrl: z.string().min(1),
    /** Where the node serves the internal endpoints (`/_cluster/*`), when not on its API listener. */
    internalUrl: z.string().min(1).optional(),
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
    /**
     * Another cluster's exported state replaces this one's (`POST /import`); refused while this cluster
     * has modules unless `replace`. See ./import.ts.
     */
    type: z.literal("state.import"),
    state: exportedStateSchema,
    replace: z.boolean(),
    /** The cluster and server version that exported it, for the audit. */
    source: z.object({ clusterId: z.string().optional(), version: z.string() }),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    /** The leader forgets the owner of a module that is gone and has nothing left to deliver. */
    type: z.literal("ownership.release"),
    module: z.string(),
    at: z.number(),
  }),
  z.object({
    /** The secret heartbeat ping ids are made with, created when first needed; the first one wins. */
    type: z.literal("heartbeat.secret"),
    secret: z.string().min(32).max(200),
    at: z.number(),
  }),
  z.object({
    /** A heartbeat ping reached a node (`/ping/<id>`): pings are state, so failover loses none. */
    type: z.literal("heartbeat.ping"),
    module: z.string(),
    monitor: z.string(),
    kind: z.enum(["success", "start", "fail"]),
    exitCode: z.number().int().min(0).max(255).optional(),
    message: z.string().max(1024).optional(),
    at: z.number(),
  }),
  z.object({
    /** A status page is created or replaced (`PUT /status-pages/{slug}`). */
    type: z.literal("statuspage.put"),
    page: statusPageRecordSchema.omit({ createdAt: true, updatedAt: true, updatedBy: true }),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    type: z.literal("statuspage.delete"),
    slug: z.string(),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    /** An incident, maintenance or announcement is posted on a page; its id derives from the log index. */
    type: z.literal("statusnote.post"),
    slug: z.string(),
    note: z.object({
      kind: z.enum(["incident", "maintenance", "announcement"]),
      title: z.string().min(1).max(200),
      impact: impactSchema,
      status: noteStatusSchema,
      message: z.string().max(5_000),
      components: z.array(z.string()).max(100),
      startsAt: z.number().optional(),
      endsAt: z.number().optional(),
    }),
    by: z.string().min(1).max(200),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    /** An update is appended to a note; it may change its status, impact or title. */
    type: z.literal("statusnote.update"),
    slug: z.string(),
    id: z.string(),
    status: noteStatusSchema.optional(),
    impact: impactSchema.optional(),
    title: z.string().min(1).max(200).optional(),
    message: z.string().max(5_000),
    by: z.string().min(1).max(200),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
  z.object({
    type: z.literal("statusnote.delete"),
    slug: z.string(),
    id: z.string(),
    actor: actorSchema.optional(),
    at: z.number(),
  }),
]);

/** A command of the server's state machine. */
export type Command = z.output<typeof commandSchema>;

// The records the commands change live in ./records.ts; every wing imports them from here.
export type {
  AuditEntry,
  DeliveryRecord,
  GroupRecord,
  IncidentRecord,
  MemberRecord,
  ModuleRevision,
  MonitorRecord,
  OwnershipGrant,
  StoredModule,
  TransitionRecord,
} from "./records.js";
