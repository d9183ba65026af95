import { RE2JS } from "re2js";
import { z } from "zod";

/** The longest `matches` pattern accepted, in characters. */
export const maxPatternLength = 1_000;

/**
 * The largest compiled pattern accepted, in RE2 program instructions. Matching is linear in the reply, but
 * its cost per byte grows with the program: `[a-z]{1000}` is 12 characters and 1,000 instructions.
 */
const maxProgramSize = 2_000;

const equalsSchema = z.strictObject({
  /**
   * The first line of the reply (up to the first line break, without `\r\n` or `\n`) must be exactly this,
   * case-sensitive: banners like SSH's or Redis' `+PONG`. A reply with no line break is compared whole
   * once the server closes the connection or `maxReplyBytes` are read.
   * @example "+PONG"
   */
  equals: z.string().min(1, "must not be empty"),
});

const containsSchema = z.strictObject({
  /**
   * Text the reply must contain, compared exactly (case-sensitive).
   * @example "ESMTP"
   */
  contains: z.string().min(1, "must not be empty"),
});

const matchesSchema = z.strictObject({
  /**
   * A regular expression in RE2 syntax (its source, without slashes) the reply must match somewhere.
   * RE2 matches in time linear in the reply whatever the pattern, and has no backreferences and no
   * lookaround: a pattern that uses them is refused. At most 1,000 characters.
   * @example "^SSH-2\\.0-OpenSSH_9"
   */
  matches: z
    .string()
    .min(1, "must not be empty")
    .max(maxPatternLength, `at most ${maxPatternLength} characters`),
  /**
   * Flags: `"i"` case-insensitive, `"m"` `^` and `$` match at line breaks, `"s"` `.` matches line breaks.
   * @default ""
   */
  flags: z
    .string()
    .regex(/^[ims]*$/, 'a combination of "i", "m" and "s"')
    .optional(),
});

/** Validates what a reply must look like: `{ equals }`, `{ contains }` or `{ matches, flags? }`. */
export const replyExpectationSchema = z
  .union([equalsSchema, containsSchema, matchesSchema], {
    error: 'one of { equals: "first line" }, { contains: "text" } or { matches: "regex", flags?: "i" }',
  })
  .superRefine((expectation, ctx) => {
    if (!("matches" in expectation)) return;
    const compiled = compilePattern(expectation.matches, expectation.flags);
    if (typeof compiled === "string") ctx.addIssue({ code: "custom", path: ["matches"], message: compiled });
  });

/** What a reply must look like, as users write it. */
export type ReplyExpectation = z.input<typeof replyExpectationSchema>;

/** Where a reply stands against its expectation: decided either way, or waiting for more bytes. */
export type ReplyVerdict = "matched" | "mismatch" | "pending";

/**
 * Judges the reply received so far. `complete` is true once no more bytes will come (the server closed the
 * connection, or the most bytes to read were read): then nothing is `pending`.
 */
export type ReplyCheck = (reply: string, complete: boolean) => ReplyVerdict;

/** Compiles an RE2 pattern, or says why it cannot: a syntax RE2 does not have, or a program too large. */
function compilePattern(source: string, flags = ""): RE2JS | string {
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
    return `too large once compiled (${size} RE2 instructions, at most ${maxProgramSize}): use smaller repetition counts`;
  }
  return compiled;
}

/**
 * Builds the check of a validated expectation. Patterns run on the calling thread: the reply they see is
 * bounded by `maxReplyBytes` (64 KiB at most) and RE2 is linear in it, so a match takes microseconds and
 * needs no worker thread, unlike HTTP bodies of megabytes.
 */
export function replyCheck(expectation: ReplyExpectation): ReplyCheck {
  if ("equals" in expectation) {
    return (reply, complete) => {
      const lineEnd = reply.indexOf("\n");
      if (lineEnd < 0 && !complete) return "pending";
      const line = (lineEnd < 0 ? reply : reply.slice(0, lineEnd)).replace(/\r$/, "");
      return line === expectation.equals ? "matched" : "mismatch";
    };
  }
  let found: (reply: string) => boolean;
  if ("contains" in expectation) found = (reply) => reply.includes(expectation.contains);
  else {
    const pattern = compilePattern(expectation.matches, expectation.flags);
    if (typeof pattern === "string") throw new TypeError(`unvalidated pattern: ${pattern}`);
    found = (reply) => pattern.test(reply);
  }
  return (reply, complete) => (found(reply) ? "matched" : complete ? "mismatch" : "pending");
}

/** The expectation in words, for messages: `first line "+PONG"`, `"ESMTP"`, `/^SSH-2/i`. */
export function describeExpectation(expectation: ReplyExpectation): string {
  if ("equals" in expectation) return `a first line of ${JSON.stringify(expectation.equals)}`;
  if ("contains" in expectation) return `text containing ${JSON.stringify(expectation.contains)}`;
  return `text matching /${expectation.matches}/${expectation.flags ?? ""}`;
}

/** At most `max` characters of a reply, quoted with escapes, so a binary or long reply stays one readable line. */
export function quoteReply(reply: string, max = 120): string {
  const shown = reply.length > max ? `${reply.slice(0, max)}…` : reply;
  return JSON.stringify(shown);
}
