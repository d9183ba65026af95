import { compileLinearPattern, linearPatternFlagsSchema, linearPatternSchema } from "@amstaff/core";
import { z } from "zod";

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
  matches: linearPatternSchema,
  /**
   * Flags: `"i"` case-insensitive, `"m"` `^` and `$` match at line breaks, `"s"` `.` matches line breaks.
   * @default ""
   */
  flags: linearPatternFlagsSchema.optional(),
});

/** Validates what a reply must look like: `{ equals }`, `{ contains }` or `{ matches, flags? }`. */
export const replyExpectationSchema = z.union([equalsSchema, containsSchema, matchesSchema], {
  error: 'one of { equals: "first line" }, { contains: "text" } or { matches: "regex", flags?: "i" }',
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
    const pattern = compileLinearPattern(expectation.matches, expectation.flags);
    found = (reply) => pattern.test(reply);
  }
  return (reply, complete) => (found(reply) ? "matched" : complete ? "mismatch" : "pending");
}

/** The expectation in words, for messages: `the first line "+PONG"`, `text containing "ESMTP"`, `text matching /^SSH-2/i`. */
export function describeExpectation(expectation: ReplyExpectation): string {
  if ("equals" in expectation) return `the first line ${JSON.stringify(expectation.equals)}`;
  if ("contains" in expectation) return `text containing ${JSON.stringify(expectation.contains)}`;
  return `text matching /${expectation.matches}/${expectation.flags ?? ""}`;
}

/** At most `max` characters of a reply, quoted with escapes, so a binary or long reply stays one readable line. */
export function quoteReply(reply: string, max = 120): string {
  const shown = reply.length > max ? `${reply.slice(0, max)}…` : reply;
  return JSON.stringify(shown);
}
