import { amstaffProject } from "../../vitest.shared.ts";

// A cold type-check (parsing the lib and the plugins' declarations) takes seconds on a busy machine.
export default amstaffProject("dsl", { testTimeout: 60_000 });
