import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as main from "./index.js";
import * as testing from "./testing.js";

const testHelpers = [
  "Simulation",
  "SimulationFailure",
  "checkLinearizable",
  "checkKvHistory",
  "MemoryNetwork",
  "Rng",
] as const;

describe("entry points", () => {
  it("serves the test helpers from @amstaff/raft/testing only", () => {
    for (const name of testHelpers) {
      expect(testing, name).toHaveProperty(name);
      expect(main, name).not.toHaveProperty(name);
    }
  });

  it("keeps what a production node needs in the main entry", () => {
    for (const name of [
      "RaftNode",
      "RaftCore",
      "TcpTransport",
      "SqliteStorage",
      "MemoryStorage",
      "ProposalTracker",
    ]) {
      expect(main, name).toHaveProperty(name);
    }
  });

  it("declares ./testing in package.json exports, source first", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      exports: Record<string, Record<string, string> | string>;
    };
    const entry = pkg.exports["./testing"] as Record<string, string>;
    expect(Object.keys(entry)).toEqual(["@amstaff/source", "types", "default"]);
    expect(entry).toEqual({
      "@amstaff/source": "./src/testing.ts",
      types: "./dist/testing.d.ts",
      default: "./dist/testing.js",
    });
  });
});
