import type { Operation, SuccessOf } from "../../src/client/client.js";
import type { OverviewRow } from "../../src/http/dashboard/overviewRow.js";
/** A monitor's status, as the API reports it. */
export type Status = "ok" | "warning" | "critical" | "unknown" | "pending";

/** One monitor of the overview: the server's own type, so the two cannot drift apart. */
export type Row = OverviewRow;

/** `GET /overview`, as the API's contract declares it. */
export type Overview = SuccessOf<Operation<"/overview", "get">>;

/** The `changes` event of `GET /events`. */
export interface Changes {
  at: number;
  rows: Row[];
}

/** A monitor's status ordered for "failing first": lower is shown earlier. */
export const statusRank: Record<Status, number> = { critical: 0, warning: 1, unknown: 2, pending: 3, ok: 4 };

/** Whether a status means something is wrong. */
export const isFailing = (s: Status) => s === "critical" || s === "warning" || s === "unknown";

/** The key of a monitor in maps. */
export { monitorKey as keyOf } from "../../src/state/monitorKey.js";
