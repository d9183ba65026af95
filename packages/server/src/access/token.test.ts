import { describe, expect, it } from "vitest";
import { environmentTokens, parseNamedTokens } from "./token.js";

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

describe("environmentTokens", () => {
  it("maps AMSTAFF_TOKEN to admin, AMSTAFF_TOKENS to write and AMSTAFF_READ_TOKENS to read, all of team default", () => {
    expect(
      environmentTokens(
        "admin-0123456789abcdef",
        { ci: "ci-0123456789abcdef" },
        { wall: "wall-0123456789abcdef" },
      ),
    ).toEqual([
      { name: "admin", team: "default", role: "admin", token: "admin-0123456789abcdef" },
      { name: "ci", team: "default", role: "write", token: "ci-0123456789abcdef" },
      { name: "wall", team: "default", role: "read", token: "wall-0123456789abcdef" },
    ]);
  });
});
