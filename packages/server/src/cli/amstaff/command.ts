import { readFileSync } from "node:fs";
import type { ApiClient } from "../apiClient.js";
import type { Flags } from "./flags.js";

/** Exit codes, so CI pipelines can tell a refused module from a broken connection. */
export const exit = { ok: 0, refused: 1, usage: 2, unavailable: 3 } as const;

/** A command line `amstaff` cannot run as given: exits with {@link exit}.usage. */
export class UsageError extends Error {}

/** What a command is given to run. */
export interface CommandContext {
  /** Every flag of the command line. */
  readonly flags: Flags;
  /** The arguments after the command's name. */
  readonly args: readonly string[];
  /** Prints a line. */
  out(text: string): void;
  /** Prints a line and ends the command successfully. */
  say(text: string): number;
  /** Prints a value as indented JSON (`--json`) and ends the command successfully. */
  json(value: unknown): number;
  /** Fails with the command's help unless at least `count` arguments are given. */
  need(count: number, what: string): void;
  /** A client of the server the flags, environment and config file name. */
  client(): ApiClient;
}

/** One `amstaff` command. */
export interface Command {
  /** Its help: `amstaff help <command>`, `amstaff <command> --help`, and after a usage error. */
  readonly help: string;
  /** Runs the command; resolves to its exit code. */
  run(context: CommandContext): Promise<number>;
}

/** Reads a file named on the command line; one that cannot be read is a usage error. */
export function readSource(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
