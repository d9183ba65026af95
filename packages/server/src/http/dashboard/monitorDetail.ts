import type { Observations } from "../../runtime/observations.js";
import type { Scheduler } from "../../runtime/scheduler.js";
import type { StateMachine } from "../../state/stateMachine.js";
import { monitorOr404 } from "../lookups.js";
import { incidentView, nextRunOf } from "../views.js";

/**
 * The dashboard's page of one monitor: its definition, status and open incident, and its transitions
 * newest first, each with the deliveries it caused.
 */
export function monitorDetail(
  deps: { machine: StateMachine; observations: Observations; scheduler: Scheduler },
  module: string,
  monitor: string,
) {
  const { machine, observations, scheduler } = deps;
  const { module: stored, definition } = monitorOr404(machine, module, monitor);
  const record = machine.monitor(module, monitor);
  const deliveries = machine.deliveries({ module, monitor });
  return {
    module,
    monitor,
    revision: stored.revision,
    definition,
    status: record?.status ?? "pending",
    since: record?.since ?? null,
    incident: incidentView(record),
    lastResult: observations.get(module, monitor)?.lastResult ?? null,
    nextRunAt: nextRunOf(scheduler, module, monitor),
    transitions: machine
      .transitionsOf(module, monitor)
      .reverse()
      .map((t) => ({
        id: t.id,
        kind: t.kind,
        from: t.from,
        to: t.to,
        since: t.since,
        at: t.at,
        message: t.result.message,
        suppressed: t.suppressed ?? null,
        incident: t.incident ?? null,
        deliveries: deliveries
          .filter((d) => d.transitionId === t.id)
          .map((d) => ({
            id: d.id,
            handler: d.handler.plugin,
            handlerIndex: d.handlerIndex,
            status: d.status,
            attempts: d.attempts,
            lastError: d.lastError ?? null,
            deliveredAt: d.deliveredAt ?? null,
            nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
          })),
      })),
  };
}
