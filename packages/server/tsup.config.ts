import { defineConfig } from "tsup";

export default defineConfig({
  // Named entries keep the build flat (dist/cli.js is the bin) whatever folder the source lives in.
  entry: { index: "src/index.ts", cli: "src/cli/cli.ts", amstaffCli: "src/cli/amstaffCli.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
});
