import { AmstaffError, type MonitorDefinition } from "@amstaff/core";
import type { StoredModule } from "../state/commands.js";
import { monitorDefinition } from "../state/monitorDefinitions.js";
import type { StateMachine } from "../state/stateMachine.js";

/** A module, or the 404 every route answers for a module that does not exist. */
export function moduleOr404(machine: StateMachine, name: string): StoredModule {
  const module = machine.module(name);
  if (!module) {
    throw new AmstaffError("AMS_ERR_MODULE_NOT_FOUND", `No module named "${name}". GET /modules lists them.`);
  }
  return module;
}

/**
 * A monitor and its module, or the 404 every route answers for a monitor that does not exist (its module
 * gone, or no monitor of that name in it).
 */
export function monitorOr404(
  machine: StateMachine,
  module: string,
  monitor: string,
): { module: StoredModule; definition: MonitorDefinition } {
  const stored = machine.module(module);
  const definition = monitorDefinition(stored?.definition, monitor);
  if (!stored || !definition) {
    throw new AmstaffError(
      "AMS_ERR_MODULE_NOT_FOUND",
      stored
        ? `No monitor "${monitor}" in module "${module}". GET /modules/${encodeURIComponent(module)} lists them.`
        : `No module named "${module}". GET /modules lists them.`,
    );
  }
  return { module: stored, definition };
}
