import { defineConfig } from "tsup";

export default defineConfig({
  // The checkpoint thread's body is a file of its own, which a Worker loads by path.
  entry: ["src/index.ts", "src/testing.ts", "src/walCheckpointWorker.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
});
