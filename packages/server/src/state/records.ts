// The records the state machine keeps, one kind per concept: the shapes of its state and of its
// snapshots. Commands (./commands.ts) are what changes them.
import type {
  DeliveryReceipt,
  HandlerSpec,
  Incident,
  IncidentState,
  ModuleDefinition,
  MonitorStatus,
  NotificationKind,
  SampleResult,
  SampleStatus,
} from "@amstaff/core";
import type { Actor } from "./commands.js";

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
  /** The team the module belongs to: its tokens may change it (and admins). */
  team: string;
  createdAt: number;
  updatedAt: number;
}

/** One pushed version of a module, kept for history and rollback. */
export interface ModuleRevision {
  revision: number;
  version: number;
  hash: string;
  pushedBy: string;
  /** The team of the token that pushed it (absent before teams existed). */
  pushedByTeam?: string | undefined;
  /** The revision it re-applied, for a rollback. */
  rollbackOf?: number | undefined;
  at: number;
  source: string;
  monitors: string[];
}

/** One write, as the audit keeps it (`GET /audit`). */
export interface AuditEntry {
  /** The log index of the command: entries are in log order. */
  index: number;
  at: number;
  /** `module.push`, `module.rollback`, `module.delete`, `module.team`, `incident.ack`, `silence.add`, `silence.remove`, or a cluster change. */
  action: string;
  /** The module, silence id or node it acted on. */
  target?: string | undefined;
  /** The teams whose things it concerns (a team token sees these entries, and those its own tokens made). */
  teams: string[];
  actor: Actor;
  /** A short, secret-free note: the revision, the new team, the silence's scope. */
  detail?: string | undefined;
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
  status: MonitorStatus;
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
  from: MonitorStatus;
  to: SampleStatus;
  since: number;
  previousSince?: number | undefined;
  result: SampleResult;
  incident?: Incident | undefined;
  kind: NotificationKind;
  /** Set while the monitor is flapping. */
  flapping?: boolean | undefined;
  /** Why its alerts were held back (a maintenance window, a silence, a failing dependency). */
  suppressed?: string | undefined;
  /** For an `acknowledged` notice: the token that acknowledged (its name, team and role), for the timeline. */
  actor?: Actor | undefined;
  at: number;
}

/** The attempts of a delivery, or of a group sent as one: claimed, then recorded, in the log. */
export interface Attempts {
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

/** One handler's delivery of one transition. */
export interface DeliveryRecord extends Attempts {
  /** Also the idempotency key sent downstream. */
  id: string;
  transitionId: string;
  module: string;
  monitor: string;
  /** The handler's position among the monitor's handlers. */
  handlerIndex: number;
  /** The handler as it was configured when the transition was committed. */
  handler: HandlerSpec;
  /**
   * The {@link GroupRecord} that sends it, for a grouping handler: the group's attempts settle it, it
   * is never sent alone.
   */
  group?: string | undefined;
}

/** One message of a grouping handler: the deliveries it sends as one, and its attempts. */
export interface GroupRecord extends Attempts {
  /** Also the idempotency key sent downstream. */
  id: string;
  /** The module, the handler and the grouped-by values: what its members share. */
  key: string;
  module: string;
  /** The values the group is grouped by. */
  labels: Record<string, string>;
  handler: HandlerSpec;
  /** Its deliveries' ids, in commit order; none joins once its first attempt is claimed. */
  members: string[];
  openedAt: number;
  /** When its message is due: after the group's wait, or its interval after the previous one. */
  dueAt: number;
}

/** A node of the cluster as the state machine knows it (Raft's membership says whether it votes). */
export interface MemberRecord {
  id: string;
  apiUrl?: string | undefined;
  /** Where the node serves the internal endpoints; absent: on its API listener (older versions). */
  internalUrl?: string | undefined;
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
