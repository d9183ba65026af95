import { defineProject } from "vitest/config";

/**
 * The vitest settings every package shares. Workspace packages resolve each other's TypeScript source
 * through the `@amstaff/source` export condition, so a test never runs against a stale `dist/`.
 */
export function amstaffProject(name: string, overrides: { testTimeout?: number } = {}) {
  return defineProject({
    resolve: { conditions: ["@amstaff/source"] },
    ssr: { resolve: { conditions: ["@amstaff/source"] } },
    test: {
      name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      typecheck: { enabled: true, include: ["src/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
      testTimeout: overrides.testTimeout ?? 10_000,
      hookTimeout: 30_000,
    },
  });
}
