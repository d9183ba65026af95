import { RE2JS } from "re2js";
import { z } from "zod";
import { normalizeAnswer, type RecordType } from "./records.js";

/** The longest `matches` pattern accepted, in characters. */
const maxPatternLength = 1_000;
/** The largest compiled pattern accepted, in RE2 program instructions, so matching stays fast per byte. */
const maxProgramSize = 2_000;

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
  matches: z
    .string()
    .min(1, "must not be empty")
    .max(maxPatternLength, `at most ${maxPatternLength} characters`),
  /**
   * Flags: `"i"` case-insensitive, `"s"` `.` matches line breaks.
   * @default ""
   */
  flags: z
    .string()
    .regex(/^[is]*$/, 'a combination of "i" and "s"')
    .optional(),
  /**
   * Whether every answer must match, rather than at least one.
   * @default false
   */
  every: z.boolean().default(false),
});

/** Compiles an RE2 pattern, or says why it cannot. */
function compilePattern(source: string, flags = ""): RE2JS | string {
  let bits = 0;
  if (flags.includes("i")) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes("s")) bits |= RE2JS.DOTALL;
  try {
    const compiled = RE2JS.compile(source, bits);
    const size = compiled.programSize();
    return size > maxProgramSize
      ? `too large once compiled (${size} RE2 instructions, at most ${maxProgramSize}): use smaller repetition counts`
      : compiled;
  } catch (error) {
    const reason =
      error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : String(error);
    return `not a pattern RE2 accepts (${reason}); RE2 has no backreferences and no lookaround, so that matching takes linear time`;
  }
}

/** Validates what the answers must be: `{ equals: [...] }`, `{ contains }` or `{ matches, flags?, every? }`. */
export const answerExpectationSchema = z
  .union([equalsSchema, containsSchema, matchesSchema], {
    error:
      'one of { equals: ["value", ...] }, { contains: "value" | ["value", ...] } or { matches: "regex", flags?: "i", every?: true }',
  })
  .superRefine((expectation, ctx) => {
    if (!("matches" in expectation)) return;
    const compiled = compilePattern(expectation.matches, expectation.flags);
    if (typeof compiled === "string") ctx.addIssue({ code: "custom", path: ["matches"], message: compiled });
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
    const pattern = compilePattern(expectation.matches, expectation.flags);
    if (typeof pattern === "string") throw new TypeError(`unvalidated pattern: ${pattern}`);
    const shown = `/${expectation.matches}/${expectation.flags ?? ""}`;
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
