import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../__tests__/manualClock.js";
import { ClusterHttp } from "./clusterHttp.js";
import { RpcClient } from "./rpcClient.js";
import { type PeerReadHandlers, type RpcHandlers, serveInternal } from "./rpcServer.js";

// `POST /_cluster/uptime-days` and `POST /_cluster/glance` end to end: the client half against the
// server half on loopback, as a Raft node and as an etcd node (which serves these reads only).

const token = "internal-token-for-tests";
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function node(uptimeDays?: RpcHandlers["uptimeDays"], glance?: RpcHandlers["glance"]) {
  const refuse = () => {
    throw new Error("not under test");
  };
  const handlers: RpcHandlers = {
    isLeader: () => false,
    isMember: () => true,
    propose: refuse,
    grantLease: refuse,
    readIndex: refuse,
    view: () => ({}),
    addMember: refuse,
    removeMember: refuse,
    checkPeer: () => undefined,
    uptimeDays,
    glance,
  };
  return listen(handlers);
}

/** Serves `handlers` behind the internal token on a free loopback port. */
async function listen(handlers: RpcHandlers | PeerReadHandlers) {
  const server = createServer((request, response) =>
    serveInternal({ internalToken: token, logger: pino({ level: "silent" }), handlers }, request, response),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { node: "b", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function client(internalToken = token) {
  const http = new ClusterHttp({ internalToken });
  closers.push(() => http.close());
  return new RpcClient(http, new ManualClock());
}

describe("a node's daily uptime, asked by another", () => {
  it("answers each monitor's days in the order asked", async () => {
    const asked: unknown[] = [];
    const target = await node((request) => {
      asked.push(request);
      return request.monitors.map(([, monitor]) => (monitor === "API" ? [[20_000, 5, 1, 2, 0]] : []));
    });
    const request = {
      monitors: [
        ["Payments", "API"],
        ["Payments", "Gone"],
      ] as [string, string][],
      fromDay: 19_911,
      toDay: 20_000,
    };
    expect(await client().uptimeDays(target, request, 5_000)).toEqual([[[20_000, 5, 1, 2, 0]], []]);
    expect(asked).toEqual([request]);
  });

  it("counts as no answer: a wrong token, a range too long, a node that keeps no history", async () => {
    const target = await node(() => [[[1, 1, 0, 0, 0]]]);
    const one = { monitors: [["M", "A"]] as [string, string][], fromDay: 1, toDay: 1 };
    expect(await client("another-clusters-token").uptimeDays(target, one, 5_000)).toBeUndefined();
    expect(await client().uptimeDays(target, { ...one, fromDay: 0, toDay: 500 }, 5_000)).toBeUndefined();
    expect(await client().uptimeDays(await node(), one, 5_000)).toEqual([[]]);
  });
});

describe("a node's overview bars, asked by another", () => {
  it("answers the bars of the monitors it runs, or of those asked with their samples", async () => {
    const asked: unknown[] = [];
    const target = await node(undefined, (request) => {
      asked.push(request);
      return {
        rows: [{ m: "Payments", n: "API", hs: "ooc", hl: [1, 2, 3], u24: 0.6667, u30: null }],
        ...(request.recent
          ? {
              recent: [
                {
                  samples: [{ t: 5, status: "critical", latencyMs: 3, message: "down" }],
                  uptime: { h24: 0, d30: null },
                },
              ],
            }
          : {}),
      };
    });
    expect(await client().glance(target, {}, 5_000)).toEqual({
      rows: [{ m: "Payments", n: "API", hs: "ooc", hl: [1, 2, 3], u24: 0.6667, u30: null }],
    });
    const one = { monitors: [["Payments", "API"]] as [string, string][], recent: true };
    expect((await client().glance(target, one, 5_000))?.recent).toEqual([
      {
        samples: [{ t: 5, status: "critical", latencyMs: 3, message: "down" }],
        uptime: { h24: 0, d30: null },
      },
    ]);
    expect(asked).toEqual([{}, one]);
  });

  it("counts as no answer: a wrong token, a malformed answer; a node that runs nothing answers no rows", async () => {
    const target = await node(undefined, () => ({ rows: [{ m: "M", n: "A", hs: "not letters" }] }));
    expect(await client("another-clusters-token").glance(target, {}, 5_000)).toBeUndefined();
    expect(await client().glance(target, {}, 5_000)).toBeUndefined();
    expect(await client().glance(await node(), {}, 5_000)).toEqual({ rows: [] });
  });
});

describe("an etcd node's internal endpoints", () => {
  it("answers the two reads with the token, refuses them without it, and serves nothing else", async () => {
    const target = await listen({
      glance: () => ({ rows: [{ m: "Payments", n: "API", hs: "o" }] }),
      uptimeDays: (request) => request.monitors.map(() => [[7, 1, 0, 0, 0]]),
      checkPeer: () => undefined,
    });
    const one = { monitors: [["Payments", "API"]] as [string, string][], fromDay: 7, toDay: 7 };
    expect(await client().glance(target, {}, 5_000)).toEqual({
      rows: [{ m: "Payments", n: "API", hs: "o" }],
    });
    expect(await client().uptimeDays(target, one, 5_000)).toEqual([[[7, 1, 0, 0, 0]]]);
    const post = (path: string, authorization?: string) =>
      fetch(`${target.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: "{}",
      });
    expect((await post("/_cluster/glance")).status).toBe(401);
    expect((await post("/_cluster/glance", "Bearer another-clusters-token")).status).toBe(401);
    expect((await post("/_cluster/glance", `Bearer ${token}`)).status).toBe(200);
    for (const path of [
      "/_cluster/propose",
      "/_cluster/lease",
      "/_cluster/read-index",
      "/_cluster/members",
    ]) {
      expect((await post(path, `Bearer ${token}`)).status).toBe(404);
    }
  });
});
