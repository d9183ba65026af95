import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { checkClusterOptions } from "./clusterOptions.js";

const logger = pino({ level: "silent" });
const etcd = { endpoints: ["http://127.0.0.1:2379"] };

describe("checkClusterOptions on etcd", () => {
  it("takes no cluster secret (the nodes share one kept in etcd) or one of 16 characters or more", () => {
    expect(() => checkClusterOptions({ etcd }, logger)).not.toThrow();
    expect(() => checkClusterOptions({ etcd, clusterSecret: "0123456789abcdef" }, logger)).not.toThrow();
  });

  it("refuses a short cluster secret and Raft's network settings", () => {
    expect(() => checkClusterOptions({ etcd, clusterSecret: "short" }, logger)).toThrow(/16 characters/);
    expect(() => checkClusterOptions({ etcd, raftPort: 7170 }, logger)).toThrow(/drop --raft-port/);
  });
});
