import { defineConfig } from "tsup";

// The CLI's source stays in packages/server/src (issue 15 restructures that package); this package is
// its light distribution: the same code, bundled, with only what the CLI needs installed beside it, so
// a module author checks and pushes files without the server's native SQLite and every handler's SDK.
export default defineConfig({
  entry: { amstaff: "../server/src/cli/amstaff/main.ts" },
  format: ["esm"],
  dts: false,
  sourcemap: true,
  clean: true,
  target: "node22",
  // Only the packages this package depends on may stay imports; anything else would be bundled
  // silently, so the build fails instead (see the esbuild plugin below).
  external: ["@amstaff/core", "@amstaff/dsl", "undici", "zod"],
  esbuildPlugins: [
    {
      name: "no-undeclared-packages",
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith("node:")) return undefined;
          const name = args.path.startsWith("@")
            ? args.path.split("/").slice(0, 2).join("/")
            : args.path.split("/")[0]!;
          if (["@amstaff/core", "@amstaff/dsl", "undici", "zod"].includes(name)) {
            return { path: args.path, external: true };
          }
          return {
            errors: [{ text: `${args.path} is not a dependency of the amstaff package (${args.importer})` }],
          };
        });
      },
    },
  ],
});
