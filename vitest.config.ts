import { defineConfig } from "vitest/config";

// One project per package: `pnpm vitest` at the root runs them all, `pnpm test` in a package runs its own.
export default defineConfig({
  test: {
    projects: ["packages/*"],
  },
});
