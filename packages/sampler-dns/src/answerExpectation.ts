import { compileLinearPattern, linearPatternFlagsSchema, linearPatternSchema } from "@amstaff/core";
import { z } from "zod";
import { normalizeAnswer, type RecordType } from "./records.js";

const values = z.array(z.string().min(1, "must not be empty")).min(1, "list at least one value");

const equalsSchema = z.strictObject({
  /**
   * The answers must be exactly these, in any order (duplicates ignored): a missing or an extra record fails.
   * @example ["192.0.2.10", "192.0.2.11"]
   */
  equals: values,
});

const containsSchema = z.strictObject({
  /**
   * Each of these must be among the answers; other records may be there too.
   * @example "v=spf1 include:_spf.example.com -all"
   */
  contains: z.union([z.string().min(1, "must not be empty"), values]),
});

const matchesSchema = z.strictObject({
  /**
   * A regular expression in RE2 syntax (linear-time: no backreferences, no lookaround) that an answer
   * must match somewhere. At most 1,000 characters.
   * @example "^v=DKIM1;"
   */
  matches: linearPatternSchema,
  /**
   * Flags: `"i"` case-insensitive, `"m"` `^` and `$` match at line breaks, `"s"` `.` matches line breaks.
   * @default ""
   */
  flags: linearPatternFlagsSchema.optional(),
  /**
   * Whether every answer must match, rather than at least one.
   * @default false
   */
  every: z.boolean().default(false),
});

/** Validates what the answers must be: `{ equals: [...] }`, `{ contains }` or `{ matches, flags?, every? }`. */
export const answerExpectationSchema = z.union([equalsSchema, containsSchema, matchesSchema], {
  error:
    'one of { equals: ["value", ...] }, { contains: "value" | ["value", ...] } or { matches: "regex", flags?: "i", every?: true }',
});

/** What the answers must be, as users write it. */
export type AnswerExpectation = z.input<typeof answerExpectationSchema>;

/** The values an `equals` or `contains` expectation lists, as written. */
function expectedValues(expectation: AnswerExpectation): string[] {
  if ("equals" in expectation) return expectation.equals;
  if ("contains" in expectation) return [expectation.contains].flat();
  return [];
}

function list(values: readonly string[]): string {
  return values.length === 0 ? "nothing" : values.map((value) => JSON.stringify(value)).join(", ");
}

/**
 * Checks answers (already normalized) against a validated expectation: `undefined` when they meet it,
 * otherwise what is wrong, in words. Patterns run on the calling thread: DNS answers fit in a 64 KiB message
 * and RE2 is linear in them.
 */
export function checkAnswers(
  expectation: AnswerExpectation,
  type: RecordType,
  answers: readonly string[],
): string | undefined {
  if ("matches" in expectation) {
    const pattern = compileLinearPattern(expectation.matches, expectation.flags);
    const shown = pattern.shown;
    if (expectation.every) {
      const failing = answers.filter((answer) => !pattern.test(answer));
      return failing.length === 0
        ? undefined
        : `${list(failing)} ${failing.length === 1 ? "does" : "do"} not match ${shown}`;
    }
    return answers.some((answer) => pattern.test(answer)) ? undefined : `no answer matches ${shown}`;
  }
  const expected = [...new Set(expectedValues(expectation).map((value) => normalizeAnswer(type, value)))];
  const missing = expected.filter((value) => !answers.includes(value));
  const extra = "equals" in expectation ? answers.filter((answer) => !expected.includes(answer)) : [];
  const problems = [
    ...(missing.length > 0 ? [`missing ${list(missing)}`] : []),
    ...(extra.length > 0 ? [`unexpected ${list(extra)}`] : []),
  ];
  return problems.length === 0 ? undefined : problems.join(", ");
}
