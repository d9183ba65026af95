import { amstaffProject } from "../../vitest.shared.ts";

export default amstaffProject("amstaff-handler-ntfy");
