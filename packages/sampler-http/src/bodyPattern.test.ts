import { describe, expect, it } from "vitest";
import { type BodyPattern, compileBodyPattern, maxProgramSize } from "./bodyPattern.js";
import { matchPattern } from "./patternMatcher.js";

function compiled(source: string, flags?: string): BodyPattern {
  const pattern = compileBodyPattern(source, flags);
  if (typeof pattern === "string") throw new Error(`/${source}/${flags ?? ""} refused: ${pattern}`);
  return pattern;
}

const never = new AbortController().signal;
const matches = (source: string, flags: string, body: string) =>
  matchPattern(compiled(source, flags), Buffer.from(body), never);

describe("RE2 semantics of body patterns", () => {
  // [pattern, flags, body, matches]: what a user relies on, including where RE2 differs from RegExp.
  const cases: [string, string, string, boolean][] = [
    ['"status"\\s*:\\s*"(UP|OK)"', "", '{"status": "UP"}', true],
    ['"status"\\s*:\\s*"(UP|OK)"', "", '{"status": "DOWN"}', false],
    ["up", "", "STATUS: UP", false],
    ["up", "i", "STATUS: UP", true],
    ["^ready$", "", "booting\nready\n", false],
    ["^ready$", "m", "booting\nready\n", true],
    ["a.b", "", "a\nb", false],
    ["a.b", "s", "a\nb", true],
    ["ready", "y", "ready", true],
    ["ready", "y", "not ready", false],
    ["ready", "g", "not ready", true],
    ["ready", "gud", "not ready", true],
    ["(?P<state>UP)", "", "UP", true],
    ["(?<state>UP)", "", "UP", true],
    ["\\x{e9}t\\x{e9}", "", "été", true],
    ["\\p{Greek}+", "", "λόγος", true],
    ["caf\\w", "", "café", false], // RE2's \w is ASCII only
    ["\\d{4}-\\d{2}", "", "on 2026-12", true],
    // The ReDoS classics: decided correctly, in linear time.
    ["^(a+)+$", "", `${"a".repeat(28)}!`, false],
    ["^(a+)+$", "", "a".repeat(28), true],
    ["(a|aa)+$", "", `${"a".repeat(40)}!`, false],
    ["(a|aa)+$", "", "b".concat("a".repeat(40)), true],
    ["(.*a){20}", "", "a".repeat(19), false],
    ["(.*a){20}", "", "ba".repeat(20), true],
    ["(x+x+)+y", "", "x".repeat(5000), false],
  ];
  for (const [source, flags, body, expected] of cases) {
    it(`/${source}/${flags} ${expected ? "matches" : "does not match"} ${JSON.stringify(body.slice(0, 30))}`, async () => {
      expect(await matches(source, flags, body)).toBe(expected);
    });
  }

  // Linear, but megabytes through re2js take seconds on a loaded machine: a generous timeout, no bound.
  it("decides the ReDoS classics on a multi-megabyte body", { timeout: 60_000 }, async () => {
    const body = Buffer.from(`${"a".repeat(4 * 1024 * 1024)}!`);
    expect(await matchPattern(compiled("^(a+)+$"), body, never)).toBe(false);
    expect(await matchPattern(compiled("(a|aa)+$"), body, never)).toBe(false);
    expect(await matchPattern(compiled("(a|a?)+!$"), body, never)).toBe(true);
  });
});

describe("patterns RE2 cannot express", () => {
  const refused: [string, string | undefined, RegExp][] = [
    ["(a)\\1", undefined, /invalid escape sequence.*no backreferences/],
    ["(?<x>a)\\k<x>", undefined, /no backreferences/],
    ["a(?=b)", undefined, /no lookahead or lookbehind/],
    ["a(?!b)", undefined, /no lookahead or lookbehind/],
    ["(?<=a)b", undefined, /no lookahead or lookbehind/],
    ["\\u0041", undefined, /write \\x\{41\}/],
    ["a[^]b", undefined, /write \(\?s:\.\) instead of \[\^\]/],
    ["(unclosed", undefined, /missing closing \)/],
    ["a{1001}", undefined, /invalid repeat count/],
    ["[a-z]{1000}[a-z]{1000}[a-z]{1000}", undefined, new RegExp(`at most ${maxProgramSize}`)],
    ["x".repeat(1001), undefined, /longer than 1000 characters/],
    ["ok", "v", /flag "v"/],
    ["ok", "x", /unknown flag "x"/],
  ];
  for (const [source, flags, reason] of refused) {
    it(`refuses /${source.slice(0, 40)}/${flags ?? ""}`, () => {
      const result = compileBodyPattern(source, flags);
      expect(typeof result).toBe("string");
      expect(result).toMatch(reason);
    });
  }
});
