import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { type Command, exit } from "./command.js";

/** `amstaff init [name]`: scaffolds a module file, its alert tests and a tsconfig for the editor. */
export const init: Command = {
  help: "amstaff init [name]\n\nWrites monitoring/<name>.ts and monitoring/tsconfig.json (never overwrites).",
  async run({ args, out }) {
    const name = args[0] ?? basename(process.cwd());
    const slug =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "") || "service";
    const dir = resolve("monitoring");
    const file = join(dir, `${slug}.ts`);
    const tsconfig = join(dir, "tsconfig.json");
    const alerts = join(dir, `${slug}.alerts.test.ts`);
    mkdirSync(dir, { recursive: true });
    for (const [path, content] of [
      [file, moduleTemplate(name, slug)],
      [alerts, alertsTestTemplate(slug)],
      [tsconfig, `${JSON.stringify(tsconfigTemplate, null, 2)}\n`],
    ] as const) {
      if (existsSync(path)) {
        out(`  exists   ${relative(process.cwd(), path)} (left as it is)`);
      } else {
        writeFileSync(path, content, { flag: "wx" });
        out(`  created  ${relative(process.cwd(), path)}`);
      }
    }
    out("\nFor autocompletion and type checks in your editor:");
    out("  npm i -D @amstaff/dsl @amstaff/sampler-http @amstaff/handler-webhook");
    out(
      `Then: amstaff check ${relative(process.cwd(), file)} && amstaff test && amstaff push ${relative(process.cwd(), file)}`,
    );
    return exit.ok;
  },
};

const tsconfigTemplate = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    // Alert tests import the module file with its extension: `import mod from "./service.ts"`.
    allowImportingTsExtensions: true,
    skipLibCheck: true,
  },
  include: ["*.ts"],
};

function alertsTestTemplate(slug: string): string {
  return `// Offline tests of ${slug}.ts's alerting, on a virtual clock: run them with \`amstaff test\`.
import assert from "node:assert/strict";
import { it } from "node:test";
import { simulate } from "@amstaff/dsl/testing";
import service from "./${slug}.ts";

it("notifies once when the health check fails, and once when it recovers", () => {
  const sim = simulate(service);
  sim.set("Health check", "critical").advance("5m");
  sim.set("Health check", "ok").advance("5m");
  assert.deepEqual(
    sim.notifications.map((n) => \`\${n.elapsed} \${n.from} → \${n.to}\`),
    ["+0s pending → critical", "+5m critical → ok"],
  );
});
`;
}

function moduleTemplate(name: string, slug: string): string {
  return `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff(${JSON.stringify(name)}, (m) => {
  m.monitor("Health check", {
    sampler: httpGet({ url: "https://example.com/health" }),
    timing: every("1m"),
    handlers: [webhook({ url: "https://hooks.example.com/amstaff" })],
    tags: [${JSON.stringify(slug)}],
  });
});
`;
}
