import { describe, expect, it } from "vitest";
import { parseNamedTokens } from "./token.js";

describe("parseNamedTokens", () => {
  it("reads name=token pairs, and names a bad entry by position without echoing it", () => {
    expect(
      parseNamedTokens(" grafana=0123456789abcdef , wall.tv=fedcba9876543210-x,", "AMSTAFF_READ_TOKENS"),
    ).toEqual({
      grafana: "0123456789abcdef",
      "wall.tv": "fedcba9876543210-x",
    });
    expect(parseNamedTokens(undefined, "AMSTAFF_READ_TOKENS")).toEqual({});
    expect(() => parseNamedTokens("ok=0123456789abcdef,short=abc", "AMSTAFF_READ_TOKENS")).toThrow(
      "AMSTAFF_READ_TOKENS entry 2 is not name=token with a token of 16 characters or more",
    );
    expect(() => parseNamedTokens("secretvalue0123456789", "AMSTAFF_TOKENS")).toThrow(
      /^AMSTAFF_TOKENS entry 1 is not name=token/,
    );
  });
});
