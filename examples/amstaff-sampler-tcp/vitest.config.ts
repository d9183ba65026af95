import { amstaffProject } from "../../vitest.shared.ts";

export default amstaffProject("amstaff-sampler-tcp");
