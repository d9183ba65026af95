import { compileLinearPattern, linearPatternFlagsSchema, linearPatternSchema } from "@amstaff/core";
import { z } from "zod";

const equalsSchema = z.strictObject({
  /**
   * A message must be exactly this text, case-sensitive (a binary message is read as UTF-8).
   * @example "pong"
   */
  equals: z.string(),
});

const containsSchema = z.strictObject({
  /**
   * A message must contain this text, case-sensitive.
   * @example "\"status\":\"ok\""
   */
  contains: z.string().min(1, "must not be empty"),
});

const matchesSchema = z.strictObject({
  /**
   * A regular expression in RE2 syntax (its source, without slashes) a message must match somewhere.
   * RE2 matches in linear time and has no backreferences and no lookaround: a pattern that uses them is
   * refused. At most 1,000 characters.
   * @example "^\\{\"type\":\"(ready|welcome)\""
   */
  matches: linearPatternSchema,
  /**
   * Flags: `"i"` case-insensitive, `"m"` `^` and `$` match at line breaks, `"s"` `.` matches line breaks.
   * @default ""
   */
  flags: linearPatternFlagsSchema.optional(),
});

/** Validates what a message from the server must be: `{ equals }`, `{ contains }` or `{ matches, flags? }`. */
export const messageExpectationSchema = z.union([equalsSchema, containsSchema, matchesSchema], {
  error: 'one of { equals: "text" }, { contains: "text" } or { matches: "regex", flags?: "i" }',
});

/** What a message from the server must be, as users write it. */
export type MessageExpectation = z.input<typeof messageExpectationSchema>;

/**
 * Builds the test of a validated expectation on one message. Patterns run on the calling thread: a
 * message is at most `maxMessageBytes` (64 KiB) and RE2 is linear in it.
 */
export function messageCheck(expectation: MessageExpectation): (message: string) => boolean {
  if ("equals" in expectation) return (message) => message === expectation.equals;
  if ("contains" in expectation) return (message) => message.includes(expectation.contains);
  const pattern = compileLinearPattern(expectation.matches, expectation.flags);
  return (message) => pattern.test(message);
}

/** The expectation in words, for messages: `message equal to "pong"`, `message containing "ok"`, `message matching /^ok/i`. */
export function describeExpectation(expectation: MessageExpectation): string {
  if ("equals" in expectation) return `message equal to ${JSON.stringify(expectation.equals)}`;
  if ("contains" in expectation) return `message containing ${JSON.stringify(expectation.contains)}`;
  return `message matching /${expectation.matches}/${expectation.flags ?? ""}`;
}
