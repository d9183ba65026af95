import { describe, expect, it } from "vitest";
import { compileLinearPattern, linearPatternFlagsSchema, linearPatternSchema } from "./linearPattern.js";

describe("linear patterns", () => {
  it("match with RE2 semantics and the i, m and s flags", () => {
    expect(compileLinearPattern("^220 \\S+ esmtp", "i").test("220 mail.example.com ESMTP Postfix")).toBe(
      true,
    );
    expect(compileLinearPattern("^b$", "m").test("a\nb\nc")).toBe(true);
    expect(compileLinearPattern("a.b", "s").test("a\nb")).toBe(true);
    expect(compileLinearPattern("a.b").test("a\nb")).toBe(false);
    expect(compileLinearPattern("x+", "i").shown).toBe("/x+/i");
  });

  it("refuses backreferences, lookaround and huge programs, saying why", () => {
    expect(linearPatternSchema.safeParse("(a)\\1").error?.issues[0]?.message).toMatch(
      /^not a pattern RE2 accepts .*no backreferences/,
    );
    expect(linearPatternSchema.safeParse("(?=x)").error?.issues[0]?.message).toMatch(/lookaround/);
    expect(linearPatternSchema.safeParse("[a-z]{1000}[0-9]{1000}").error?.issues[0]?.message).toMatch(
      /too large once compiled/,
    );
    expect(linearPatternSchema.safeParse("").success).toBe(false);
    expect(linearPatternSchema.safeParse("^OK").success).toBe(true);
  });

  it("accepts only the flags RE2 honours", () => {
    expect(linearPatternFlagsSchema.safeParse("ims").success).toBe(true);
    expect(linearPatternFlagsSchema.safeParse("g").success).toBe(false);
  });

  it("throws on a pattern the schema would refuse", () => {
    expect(() => compileLinearPattern("(?<=x)y")).toThrow(TypeError);
  });
});
