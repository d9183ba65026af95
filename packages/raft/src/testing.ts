// Helpers for testing code built on @amstaff/raft, and the tools this package tests itself with: an
// in-process network with fault injection, the deterministic cluster simulation, and linearizability
// checkers. Import them from "@amstaff/raft/testing"; none of them belongs in a production node.
export type { KvOperation, Model } from "./linearizability.js";
export { checkKvHistory, checkLinearizable } from "./linearizability.js";
export type { MemoryNetworkOptions } from "./memoryNetwork.js";
export { MemoryNetwork } from "./memoryNetwork.js";
export { Rng } from "./rng.js";
export type { SimulationOptions, SimulationResult } from "./simulation.js";
export { Simulation, SimulationFailure } from "./simulation.js";
