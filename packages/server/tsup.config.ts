import { defineConfig } from "tsup";

export default defineConfig({
  // Named entries keep the build flat (dist/cli.js is the bin) whatever folder the source lives in.
  entry: { index: "src/index.ts", cli: "src/cli/server/main.ts", amstaffCli: "src/cli/amstaff/main.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
});
