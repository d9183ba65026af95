import { amstaffProject } from "../../vitest.shared.ts";

// The dashboard's browser tests drive Debian's Chromium (browsers cannot be downloaded here); the etcd
// log's tests start 3-member clusters of Debian's etcd. Two files at a time: most of them wait on server
// processes, elections and browsers, so a second one halves the wall time on two cores.
export default amstaffProject("server", { services: ["chromium", "etcd"], maxWorkers: 2 });
