import { parseArgs } from "node:util";

/**
 * Parses `amstaff`'s command line: the command and its arguments (positionals) and every flag. One set
 * of flags for all commands, each command reading those it documents.
 */
export function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: "string" },
      token: { type: "string" },
      ca: { type: "string" },
      config: { type: "string" },
      json: { type: "boolean" },
      "dry-run": { type: "boolean" },
      by: { type: "string" },
      monitor: { type: "string", multiple: true },
      tag: { type: "string", multiple: true },
      for: { type: "string" },
      until: { type: "string" },
      from: { type: "string" },
      reason: { type: "string" },
      all: { type: "boolean" },
      "all-modules": { type: "boolean" },
      team: { type: "string" },
      module: { type: "string" },
      limit: { type: "string" },
      reporter: { type: "string" },
      "reporter-destination": { type: "string" },
      "no-daemon": { type: "boolean" },
      out: { type: "string" },
      replace: { type: "boolean" },
      title: { type: "string" },
      message: { type: "string" },
      kind: { type: "string" },
      impact: { type: "string" },
      status: { type: "string" },
      component: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}

/** The flags of an `amstaff` command line, as {@link parseFlags} reads them. */
export type Flags = ReturnType<typeof parseFlags>["values"];
