import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { put } from "../__tests__/fixtures.js";
import { ManualClock } from "../__tests__/manualClock.js";
import { ClusterHttp } from "./clusterHttp.js";
import { RpcClient } from "./rpcClient.js";

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A leader that takes requests and never answers (a stalled process). */
async function stalledLeader(): Promise<{ node: string; url: string; requests: () => number }> {
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    request.resume();
    held.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    for (const response of held) response.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    node: "leader",
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => held.length,
  };
}

function client(clock: ManualClock) {
  const http = new ClusterHttp({ internalToken: "internal-token-for-tests" });
  closers.push(() => http.close());
  return new RpcClient(http, clock);
}

/** Whether `promise` has settled after pending I/O ran (without moving the clock). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("RpcClient deadlines on the injected clock", () => {
  it("a proposal forwarded to a leader that never answers fails as outcome-unknown when the clock says so", async () => {
    const clock = new ManualClock();
    const leader = await stalledLeader();
    const forwarded = client(clock).forwardProposal(leader, put(), 10_000);
    const outcome = forwarded.catch((error: unknown) => error);
    // Real I/O: the request reaches the leader, which holds it.
    for (let i = 0; i < 400 && leader.requests() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(leader.requests()).toBe(1);
    expect(await settled(forwarded)).toBe(false);
    await clock.advance(9_999);
    expect(await settled(forwarded)).toBe(false);
    await clock.advance(1);
    expect(await outcome).toMatchObject({ code: "AMS_ERR_LOG_OUTCOME_UNKNOWN" });
  });

  it("a read barrier through a leader that never answers fails as unavailable when the clock says so", async () => {
    const clock = new ManualClock();
    const leader = await stalledLeader();
    const read = client(clock).readIndex(leader, 5_000);
    const outcome = read.catch((error: unknown) => error);
    expect(await settled(read)).toBe(false);
    await clock.advance(5_000);
    expect(await outcome).toMatchObject({ code: "AMS_ERR_LOG_UNAVAILABLE" });
  });
});
