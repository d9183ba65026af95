import { amstaffProject } from "../../vitest.shared.ts";

export default amstaffProject("sampler-sql", { testTimeout: 20_000, services: ["postgres", "mariadb"] });
