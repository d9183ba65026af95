// Bundles the dashboard (dashboard/src) into dist/dashboard: content-hashed files under assets/ and
// an index.html that loads them (no inline script or style, so the CSP can forbid both).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "dashboard");
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });

const result = await build({
  entryPoints: { app: join(root, "dashboard", "src", "main.ts") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome111", "firefox115", "safari16.4"],
  outdir: join(out, "assets"),
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith(".js"));
const css = outputs.find((f) => f.endsWith(".css"));
if (!js || !css) throw new Error(`the dashboard build wrote no script or stylesheet: ${outputs.join(", ")}`);
const html = readFileSync(join(root, "dashboard", "index.html"), "utf8")
  .replace("%JS%", `./assets/${js}`)
  .replace("%CSS%", `./assets/${css}`);
writeFileSync(join(out, "index.html"), html);
const sizes = outputs.map(
  (f) => `${f} ${(readFileSync(join(out, "assets", f)).length / 1024).toFixed(1)} KiB`,
);
process.stdout.write(`dashboard: ${sizes.join(", ")}\n`);
