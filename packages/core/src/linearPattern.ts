import { RE2JS } from "re2js";
import { z } from "zod";

/** The longest pattern {@link linearPatternSchema} accepts, in characters. */
export const maxLinearPatternLength = 1_000;

/**
 * The largest compiled pattern accepted, in RE2 program instructions. Matching is linear in the text, but
 * its cost per byte grows with the program: `[a-z]{1000}` is 12 characters and 1,000 instructions.
 */
const maxProgramSize = 2_000;

/** A pattern compiled by {@link compileLinearPattern}. */
export interface LinearPattern {
  /** Whether `text` contains a match, decided in time linear in its length. */
  test(text: string): boolean;
  /** The pattern as users wrote it, `/source/flags`, for messages. */
  readonly shown: string;
}

function compile(source: string, flags: string): RE2JS | string {
  let bits = 0;
  if (flags.includes("i")) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes("m")) bits |= RE2JS.MULTILINE;
  if (flags.includes("s")) bits |= RE2JS.DOTALL;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, bits);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      /^error parsing regexp: /,
      "",
    );
    return `not a pattern RE2 accepts (${reason}); RE2 has no backreferences and no lookaround, so that matching takes linear time`;
  }
  const size = compiled.programSize();
  if (size > maxProgramSize) {
    return `too large once compiled (${size} RE2 instructions, at most ${maxProgramSize}): use smaller repetition counts like {10} rather than {1000}`;
  }
  return compiled;
}

/**
 * Validates a regular expression in RE2 syntax, the one a plugin's options may carry for matching text a
 * target sends (a banner, a DNS answer, a message): RE2 matches in time linear in the text whatever the
 * pattern, so a pattern from a module file cannot stall a node. Backreferences and lookaround are refused
 * with a message saying why, as are patterns over 1,000 characters or too large once compiled.
 */
export const linearPatternSchema = z
  .string()
  .min(1, "must not be empty")
  .max(maxLinearPatternLength, `at most ${maxLinearPatternLength} characters`)
  .superRefine((source, ctx) => {
    const compiled = compile(source, "");
    if (typeof compiled === "string") ctx.addIssue({ code: "custom", message: compiled });
  });

/**
 * Validates the flags of a {@link linearPatternSchema} pattern: `i` (case-insensitive), `m` (`^` and `$` at
 * line breaks), `s` (`.` matches line breaks).
 */
export const linearPatternFlagsSchema = z.string().regex(/^[ims]*$/, 'a combination of "i", "m" and "s"');

/**
 * Compiles a pattern validated by {@link linearPatternSchema} with flags validated by
 * {@link linearPatternFlagsSchema}. Matching runs on the calling thread: fit for texts a plugin has bounded
 * (kilobytes); a body of megabytes belongs on a worker thread.
 *
 * @throws TypeError for a pattern the schema would have refused: a bug in the caller.
 * @example
 * ```ts
 * const banner = compileLinearPattern("^220 \\S+ ESMTP", "i");
 * banner.test("220 mail.example.com ESMTP Postfix"); // true
 * ```
 */
export function compileLinearPattern(source: string, flags = ""): LinearPattern {
  const compiled = compile(source, flags);
  if (typeof compiled === "string") throw new TypeError(`unvalidated pattern /${source}/: ${compiled}`);
  return { test: (text) => compiled.test(text), shown: `/${source}/${flags}` };
}
