import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";
import type { TestService } from "./scripts/testServices.ts";

/** Options of {@link amstaffProject}. */
export interface AmstaffProjectOptions {
  testTimeout?: number;
  /**
   * Real services the project's tests talk to. The test command itself starts (or installs) them before any
   * test runs, so `pnpm test` on a fresh machine needs nothing else (scripts/testServices.ts).
   */
  services?: TestService[];
  /**
   * Test files run at once. Vitest's default is one less than the cores: one file at a time on a 2-core
   * machine, where most of the server's files wait on processes and networks rather than compute.
   */
  maxWorkers?: number;
}

/**
 * The vitest settings every package shares. Workspace packages resolve each other's TypeScript source
 * through the `@amstaff/source` export condition, so a test never runs against a stale `dist/`.
 */
export function amstaffProject(name: string, overrides: AmstaffProjectOptions = {}) {
  const services = overrides.services ?? [];
  return defineProject({
    resolve: { conditions: ["@amstaff/source"] },
    ssr: { resolve: { conditions: ["@amstaff/source"] } },
    test: {
      name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      typecheck: { enabled: true, include: ["src/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
      testTimeout: overrides.testTimeout ?? 10_000,
      hookTimeout: 30_000,
      ...(overrides.maxWorkers !== undefined && { maxWorkers: overrides.maxWorkers }),
      ...(services.length > 0 && {
        globalSetup: [fileURLToPath(new URL("./scripts/testServices.setup.ts", import.meta.url))],
        provide: { amstaffServices: services },
      }),
    },
  });
}
