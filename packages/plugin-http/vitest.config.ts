import { amstaffProject } from "../../vitest.shared.ts";

export default amstaffProject("plugin-http");
