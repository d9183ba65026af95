import type { ModuleDefinition } from "@amstaff/core";
import type { AmstaffModule } from "./moduleTypes.js";
import { Simulation } from "./simulation.js";
import type { SimulateOptions } from "./simulationTypes.js";

export type { SimulatedGroup } from "./simulatedGroups.js";
export { Simulation } from "./simulation.js";
export type {
  SimulatedNotification,
  SimulatedOutcome,
  SimulatedStatus,
  SimulatedTransition,
  SimulateOptions,
} from "./simulationTypes.js";

/**
 * Runs a module offline on a virtual clock, to test its alerting: feed monitors sample results, move
 * time, acknowledge, silence, and check which notifications go to which handler and when. Works in any
 * test runner (vitest, `node:test` through `amstaff test`, jest): it only throws on misuse.
 *
 * @example
 * ```ts
 * import { simulate } from "@amstaff/dsl/testing";
 * import payments, { oncall } from "./payments.ts";
 *
 * const sim = simulate(payments);
 * sim.feed("API", ["critical", "critical", "critical"]);
 * sim.advance("10m");
 * assert.deepEqual(sim.to(oncall).map((n) => n.kind), ["escalation"]);
 * ```
 */
export function simulate(module: AmstaffModule | ModuleDefinition, options?: SimulateOptions): Simulation {
  return new Simulation(module, options);
}
