import type { AmstaffErrorCode, Silence } from "@amstaff/core";
import type { AuditLog } from "./audit.js";
import type { Command } from "./commands.js";
import type { DeliveryBook } from "./deliveries.js";
import type { GroupBook } from "./groups.js";
import type { HeartbeatBook } from "./heartbeats.js";
import type { Members } from "./members.js";
import type { ModuleRegistry } from "./modules.js";
import type { MonitorStatuses } from "./monitors.js";
import type { DeliveryRecord, IncidentRecord, StoredModule, TransitionRecord } from "./records.js";
import type { SilenceBook } from "./silences.js";
import type { StatusNoteRecord } from "./statusPageSchema.js";
import type { StatusPageBook } from "./statusPages.js";
import type { TransitionLog } from "./transitions.js";

/** What applying a command returns to whoever proposed it. */
export type ApplyResult =
  | {
      ok: true;
      module?: StoredModule;
      transition?: TransitionRecord;
      deliveries?: DeliveryRecord[];
      incident?: IncidentRecord;
      silence?: Silence;
      note?: StatusNoteRecord;
    }
  | {
      ok: false;
      reason: string;
      /** Set when the refusal is the caller's to understand (a module that is another team's). */
      code?: AmstaffErrorCode;
    };

/**
 * The state machine's state, one slice per concept. A reducer changes the slices its command concerns,
 * and says so by calling them: a transition that opens an incident and creates deliveries calls the
 * monitors, transitions and deliveries slices itself.
 */
export interface StateSlices {
  readonly modules: ModuleRegistry;
  readonly monitors: MonitorStatuses;
  readonly transitions: TransitionLog;
  readonly deliveries: DeliveryBook;
  readonly groups: GroupBook;
  readonly silences: SilenceBook;
  readonly members: Members;
  readonly audit: AuditLog;
  readonly heartbeats: HeartbeatBook;
  readonly statusPages: StatusPageBook;
  /**
   * The id of the transition a command at log `index` commits: unique cluster-wide, the same on every
   * node (the cluster's id, fixed by its first command, and the log index).
   */
  transitionId(index: number): string;
}

/** The command of one type. */
export type CommandOf<T extends Command["type"]> = Extract<Command, { type: T }>;

/**
 * Applies one type of command to the state: deterministic (it reads nothing but the state, the command
 * and its log index) and all-or-nothing (a refusal changes nothing).
 */
export type Reducer<T extends Command["type"]> = (
  state: StateSlices,
  command: CommandOf<T>,
  index: number,
) => ApplyResult;
