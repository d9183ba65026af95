import { amstaffProject } from "../../vitest.shared.ts";

export default amstaffProject("handler-telegram");
