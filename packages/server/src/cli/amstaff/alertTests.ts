import { spawn } from "node:child_process";
import { type Command, exit } from "./command.js";

/** The files `amstaff test` runs when given none: Node's test runner expands the glob. */
export const defaultAlertTestPattern = "**/*.alerts.test.ts";

/** Options of {@link runAlertTests}. */
export interface AlertTestOptions {
  /** A Node test reporter: `spec`, `tap`, `dot`, `junit`, `lcov`. @default Node's default */
  reporter?: string | undefined;
  /** Where the reporter writes (`stdout`, or a file such as `alerts.xml`). @default stdout */
  destination?: string | undefined;
}

/**
 * Runs alert test files (TypeScript or JavaScript, written with `node:test` and
 * `@amstaff/dsl/testing`) with Node's own test runner, which needs nothing installed: what
 * `amstaff test` does in a CI pipeline. Resolves to the runner's exit code.
 */
export function runAlertTests(patterns: readonly string[], options: AlertTestOptions = {}): Promise<number> {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  // Node strips TypeScript types by default from 23.6; 22.x needs the flag.
  const stripTypes = major < 23 || (major === 23 && minor < 6) ? ["--experimental-strip-types"] : [];
  const reporter = options.reporter === undefined ? [] : [`--test-reporter=${options.reporter}`];
  const destination =
    options.destination === undefined ? [] : [`--test-reporter-destination=${options.destination}`];
  if (destination.length > 0 && reporter.length === 0) reporter.push("--test-reporter=spec");
  const args = [
    ...stripTypes,
    "--disable-warning=ExperimentalWarning",
    "--test",
    ...reporter,
    ...destination,
    ...(patterns.length > 0 ? patterns : [defaultAlertTestPattern]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** `amstaff test [file...]`: runs alert tests offline, exits 1 when one fails. */
export const test: Command = {
  help: `amstaff test [file or glob...] [--reporter <name>] [--reporter-destination <file>]

Runs alert test files with Node's own test runner (TypeScript included, nothing else to install):
files written with node:test and @amstaff/dsl/testing's simulate(), which runs a module on a virtual
clock with the server's own policy engine. Default: every **/*.alerts.test.ts below this directory.
--reporter: spec, tap, dot, junit or lcov (e.g. --reporter junit --reporter-destination alerts.xml
for CI). Exits 1 when a test fails.`,
  async run({ args, flags }) {
    const code = await runAlertTests(args, {
      reporter: flags.reporter,
      destination: flags["reporter-destination"],
    });
    return code === 0 ? exit.ok : exit.refused;
  },
};
