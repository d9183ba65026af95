import { amstaffProject } from "../../vitest.shared.ts";

// The dashboard's browser tests drive Debian's Chromium (browsers cannot be downloaded here); the etcd
// log's tests start 3-member clusters of Debian's etcd.
export default amstaffProject("server", { services: ["chromium", "etcd"] });
