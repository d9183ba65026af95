import { silenceSchema } from "@amstaff/core";
import { z } from "zod";
import type { Reducer } from "./reducer.js";
import { decodeSnapshot, type SnapshotData } from "./snapshot.js";
import { statusNoteRecordSchema, statusPageRecordSchema } from "./statusPageSchema.js";

const text = z.string();
const name = z.string().min(1);
const int = z.number().int();

/**
 * The records an export carries are checked for the fields this state machine reads to find and order
 * them; the rest of each record passes as it is, so that an export from a version that added a field
 * still imports. The records themselves were written by a state machine, never by hand.
 */
const storedModule = z.looseObject({
  name,
  source: text,
  definition: z.looseObject({ monitors: z.array(z.looseObject({ name })) }),
  version: int,
  revision: int,
  hash: text,
  pushedBy: text,
  team: name,
  createdAt: z.number(),
  updatedAt: z.number(),
});

const moduleRevision = z.looseObject({
  revision: int,
  version: int,
  hash: text,
  pushedBy: text,
  at: z.number(),
  source: text,
  monitors: z.array(text),
});

const monitorRecord = z.looseObject({ module: name, monitor: name, status: text });

const transitionRecord = z.looseObject({
  id: name,
  module: name,
  monitor: name,
  tags: z.array(text),
  from: text,
  to: text,
  since: z.number(),
  result: z.looseObject({ status: text }),
  kind: text,
  at: z.number(),
});

const deliveryRecord = z.looseObject({
  id: name,
  transitionId: name,
  module: name,
  monitor: name,
  handlerIndex: int.min(0),
  handler: z.looseObject({}),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: int.min(0),
  nextAttemptAt: z.number(),
});

const groupRecord = z.looseObject({
  id: name,
  key: text,
  module: name,
  members: z.array(name),
  dueAt: z.number(),
});

const auditEntry = z.looseObject({
  index: int,
  at: z.number(),
  action: text,
  teams: z.array(text),
  actor: z.looseObject({ name: text }),
});

/**
 * The state an export carries: everything the state machine keeps but what belongs to the cluster
 * itself (its id, its members and who owns which module), which the importing cluster keeps its own of.
 */
export const exportedStateSchema = z.object({
  modules: z.array(storedModule),
  /** Every module name's pushed versions, oldest first (deleted modules' too). */
  history: z.array(z.tuple([name, z.array(moduleRevision)])),
  /** The team of every module name that has history. */
  teams: z.array(z.tuple([name, name])),
  monitors: z.array(monitorRecord),
  /** Monitor by monitor, each oldest first. */
  transitions: z.array(transitionRecord),
  deliveries: z.array(deliveryRecord),
  silences: z.array(silenceSchema),
  /** Oldest first. */
  audit: z.array(auditEntry),
  // Absent from exports of versions before heartbeats and grouping.
  heartbeats: z
    .looseObject({
      secret: text.optional(),
      records: z.array(z.tuple([text, z.looseObject({})])),
    })
    .optional(),
  groups: z.array(groupRecord).optional(),
  /** Absent from exports of versions before configured status pages. */
  statusPages: z
    .object({ pages: z.array(statusPageRecordSchema), notes: z.array(statusNoteRecordSchema) })
    .optional(),
});

/** The state an export carries, as the state machine's snapshot spells it. */
export type ExportedState = Required<
  Omit<SnapshotData, "format" | "clusterId" | "members" | "grants" | "heartbeats" | "groups" | "statusPages">
> &
  Pick<SnapshotData, "heartbeats" | "groups" | "statusPages">;

/**
 * The state of a snapshot's bytes without what belongs to the cluster that wrote it (the schema drops
 * its id, members and grants), for an export: checked as an import will check it.
 */
export function exportedState(snapshot: Uint8Array): z.output<typeof exportedStateSchema> {
  return exportedStateSchema.parse(decodeSnapshot(snapshot));
}

/**
 * `state.import`: another cluster's state replaces this one's, in one command so that every node
 * switches at the same log index. Refused (`AMS_ERR_CONFLICT`, nothing changed) while this cluster has
 * modules, unless the command says `replace`. The cluster's id, members and ownership grants stay this
 * cluster's: the balancer grants the imported modules to this cluster's nodes, whose runners and
 * delivery workers then pick up their monitors and pending deliveries.
 */
export const importState: Reducer<"state.import"> = (state, command, index) => {
  const present = state.modules.names();
  if (!command.replace && present.length > 0) {
    return {
      ok: false,
      code: "AMS_ERR_CONFLICT",
      reason: `this cluster already has ${present.length} module(s) (${present.slice(0, 5).join(", ")}); import into an empty cluster, or replace its whole state with ?replace=true`,
    };
  }
  // The schema let each record's other fields pass as they were exported: the shapes are the snapshot's.
  // Cloned so that no record is shared with the command a log may still hold.
  const imported = structuredClone(command.state) as unknown as ExportedState;
  // A module's version is a log index of the cluster that pushed it, and runners and `transition.record`
  // tell versions apart by equality: a source index could equal one of this log's future pushes. This
  // import's index is above every version this log gave and below every one it will give.
  const modules = imported.modules.map((m) => ({ ...m, version: index }));
  state.modules.restore(modules, imported.history, imported.teams);
  state.monitors.restore(imported.monitors);
  state.transitions.restore(imported.transitions);
  state.deliveries.restore(imported.deliveries);
  state.silences.restore(imported.silences);
  state.audit.restore(imported.audit);
  // The source's heartbeat secret comes along, so the ping URLs its jobs call keep working here.
  state.heartbeats.restore(imported.heartbeats);
  state.groups.restore(imported.groups ?? []);
  state.statusPages.restore(imported.statusPages);
  state.audit.record(index, command.at, "state.import", command.actor, {
    teams: [],
    detail: `${modules.length} module(s) from cluster ${command.source.clusterId ?? "unknown"} (version ${command.source.version})${command.replace ? ", replacing this cluster's state" : ""}`,
  });
  return { ok: true };
};
