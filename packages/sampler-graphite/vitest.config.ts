import { amstaffProject } from "../../vitest.shared.ts";

// The real-Graphite tests wait (bounded) for carbon to write new metrics before probing them.
export default amstaffProject("sampler-graphite", { testTimeout: 30_000, services: ["graphite"] });
