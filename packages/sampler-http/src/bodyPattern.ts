import { RE2JS } from "re2js";

/** The longest `matches` pattern accepted, in characters. */
export const maxPatternLength = 1_000;

/**
 * The largest compiled pattern accepted, in RE2 program instructions. Matching is linear in the body, but
 * its cost per byte grows with the program: `[a-z]{1000}` is 12 characters and 1,000 instructions.
 */
export const maxProgramSize = 2_000;

/** The flags a `matches` pattern may have: `i`, `m`, `s` change matching; `u`, `g`, `d` change nothing; `y` anchors at the start. */
export const bodyPatternFlags = "dgimsuy";

/** A body pattern checked against RE2's syntax, ready for {@link matchPattern}: the RE2 source and flags. */
export interface BodyPattern {
  /** The pattern as RE2 compiles it (with `\A(?:…)` around it for the `y` flag). */
  source: string;
  /** RE2JS flag bits. */
  flags: number;
  /** The pattern as the user wrote it, `/source/flags`, for messages. */
  shown: string;
}

/**
 * Compiles a `matches` pattern with RE2 semantics (linear-time matching, no backreferences, no lookaround),
 * or says why it cannot: a syntax RE2 does not have, an unknown flag, or a pattern too large to match fast.
 */
export function compileBodyPattern(source: string, flags = ""): BodyPattern | string {
  if (source.length > maxPatternLength) return `longer than ${maxPatternLength} characters`;
  let bits = 0;
  for (const flag of flags) {
    if (flag === "i") bits |= RE2JS.CASE_INSENSITIVE;
    else if (flag === "m") bits |= RE2JS.MULTILINE;
    else if (flag === "s") bits |= RE2JS.DOTALL;
    else if (flag === "v") {
      return 'flag "v" (Unicode sets) has no RE2 equivalent: drop it, RE2 patterns are always Unicode-aware';
    } else if (!bodyPatternFlags.includes(flag)) {
      return `unknown flag "${flag}": use a combination of "i", "m", "s" (and "u", "g", "d", "y")`;
    }
  }
  const re2Source = flags.includes("y") ? `\\A(?:${source})` : source;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(re2Source, bits);
  } catch (error) {
    return explainSyntaxError(source, error);
  }
  const size = compiled.programSize();
  if (size > maxProgramSize) {
    return `too large once compiled (${size} RE2 instructions, at most ${maxProgramSize}): use smaller repetition counts like {10} rather than {1000}`;
  }
  return { source: re2Source, flags: bits, shown: `/${source}/${flags}` };
}

/** RE2's parse error, with the JavaScript habit that caused it named, and what to write instead. */
function explainSyntaxError(source: string, error: unknown): string {
  const reason = (error instanceof Error ? error.message : String(error)).replace(
    /^error parsing regexp: /,
    "",
  );
  const hints: string[] = [];
  if (/\\[1-9]|\\k</.test(source)) hints.push("RE2 has no backreferences (\\1, \\k<name>)");
  if (/\(\?<?[=!]/.test(source)) hints.push("RE2 has no lookahead or lookbehind ((?=, (?!, (?<=, (?<!)");
  if (/\\u/.test(source)) hints.push("write \\x{41} or \\x{1F600} instead of \\u0041 or \\u{1F600}");
  if (source.includes("[^]")) hints.push("write (?s:.) instead of [^]");
  const hint = hints.length > 0 ? `; ${hints.join("; ")}` : "";
  return `not a pattern RE2 accepts (${reason})${hint}. Body patterns use RE2 syntax so that matching takes linear time: see the README of @amstaff/sampler-http`;
}
