import { AmstaffError, type Silence } from "@amstaff/core";
import type { HeartbeatSnapshot } from "./heartbeats.js";
import type {
  AuditEntry,
  DeliveryRecord,
  GroupRecord,
  MemberRecord,
  ModuleRevision,
  MonitorRecord,
  OwnershipGrant,
  StoredModule,
  TransitionRecord,
} from "./records.js";
import type { StatusPagesSnapshot } from "./statusPages.js";

/**
 * The state machine's snapshot, as JSON. Format 2 is written and format 1 still restores: a snapshot
 * written before must restore after, so the fields older snapshots lack are optional.
 */
export interface SnapshotData {
  format: number;
  clusterId?: string | undefined;
  members?: MemberRecord[];
  grants?: OwnershipGrant[];
  modules: StoredModule[];
  monitors: MonitorRecord[];
  /** Monitor by monitor, each oldest first. */
  transitions: TransitionRecord[];
  deliveries: DeliveryRecord[];
  history: [string, ModuleRevision[]][];
  silences?: Silence[];
  teams?: [string, string][];
  audit?: AuditEntry[];
  heartbeats?: HeartbeatSnapshot;
  /** Grouping handlers' messages (absent before grouping existed). */
  groups?: GroupRecord[];
  /** Status pages and their notes (absent before configured status pages existed). */
  statusPages?: StatusPagesSnapshot;
}

/** The snapshot format this version writes. */
export const snapshotFormat = 2;

/** A snapshot's bytes. */
export function encodeSnapshot(data: SnapshotData): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(data));
}

/** Reads a snapshot's bytes; throws `AMS_ERR_STATE_CORRUPT` for bytes that are not one this version can restore. */
export function decodeSnapshot(snapshot: Uint8Array): SnapshotData {
  let data: SnapshotData;
  try {
    data = JSON.parse(new TextDecoder().decode(snapshot));
  } catch (cause) {
    throw new AmstaffError("AMS_ERR_STATE_CORRUPT", "The state snapshot is not valid JSON.", { cause });
  }
  if (data.format !== 1 && data.format !== snapshotFormat) {
    throw new AmstaffError("AMS_ERR_STATE_CORRUPT", `Unsupported snapshot format ${String(data.format)}.`);
  }
  return data;
}
