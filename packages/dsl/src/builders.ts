// The builders a module file calls, one concept per file. The compiler's sandbox bundles this module and
// offers exactly its exports as `@amstaff/dsl`, so the files below only import types from @amstaff/core,
// never its or zod's runtime. The public types are exported from index.ts.

export { amstaff } from "./amstaff.js";
export { grouped, notifyOn, only } from "./handlerRouting.js";
export { policy } from "./policy.js";
export { secret } from "./secret.js";
export { cron, every } from "./timing.js";
