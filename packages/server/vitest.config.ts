import { amstaffProject } from "../../vitest.shared.ts";

// The dashboard's browser tests drive Debian's Chromium (browsers cannot be downloaded here).
export default amstaffProject("server", { services: ["chromium"] });
