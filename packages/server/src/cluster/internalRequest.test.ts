import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { Command } from "../state/commands.js";
import type { InternalRequest } from "./internalRequest.js";
import { checkPeer } from "./peerCheck.js";
import { rpcPaths } from "./rpc.js";
import { type RpcHandlers, serveInternal } from "./rpcServer.js";

// A forwarded proposal as the leader serves it from a peer named by its certificate: the identity check
// and the endpoint read the forwarded commands once between them, and a body that is not what the endpoint
// takes is a 400 that says what is wrong (it was an internal error, 500).

const token = "internal-token-for-tests";
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const announce = (node: string): Command => ({
  type: "node.announce",
  node,
  apiUrl: `http://127.0.0.1:9/${node}`,
  at: 1_000,
});

/** A node leading (or not) a cluster of a, b and c, served as if peer `b`'s certificate made each request. */
async function leader(leads = true) {
  const checked: (readonly Command[])[] = [];
  const proposed: Command[] = [];
  const refuse = () => {
    throw new Error("not under test");
  };
  const raft = { role: leads ? "leader" : "follower", membership: { voters: ["a", "b", "c"], learners: [] } };
  const handlers: RpcHandlers = {
    isLeader: () => leads,
    isMember: () => true,
    propose: async (command) => {
      proposed.push(command);
      return { result: { ok: true }, index: proposed.length };
    },
    grantLease: refuse,
    readIndex: refuse,
    view: () => ({}),
    addMember: refuse,
    removeMember: refuse,
    checkPeer: (peer, request: InternalRequest) => {
      checkPeer(raft, peer, request);
      if (leads && request.forwards) checked.push(request.forwarded());
    },
  };
  const server = createServer((request, response) =>
    serveInternal(
      { internalToken: token, logger: pino({ level: "silent" }), handlers },
      request,
      response,
      "b",
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  return { post, checked, proposed };
}

describe("a forwarded proposal from a peer with a certificate", () => {
  it("is read once: the identity check and the endpoint see the same commands", async () => {
    const node = await leader();
    const batch = await node.post(rpcPaths.proposeBatch, {
      commands: [announce("b"), { ...announce("b"), at: 2 }],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.outcomes.map((o: { status: number }) => o.status)).toEqual([200, 200]);
    const one = await node.post(rpcPaths.propose, { command: announce("b") });
    expect(one.status).toBe(200);
    expect(node.checked).toHaveLength(2);
    // The very objects the check read were proposed: no second parse made copies.
    expect(node.proposed).toHaveLength(3);
    expect(node.proposed[0]).toBe(node.checked[0]![0]);
    expect(node.proposed[1]).toBe(node.checked[0]![1]);
    expect(node.proposed[2]).toBe(node.checked[1]![0]);
  });

  it("answers 400 with the schema's complaint to a body that is not a batch, and proposes nothing", async () => {
    const node = await leader();
    const empty = await node.post(rpcPaths.proposeBatch, { commands: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("AMS_ERR_REQUEST_INVALID");
    expect(empty.body.error.message).toMatch(/^Invalid body of POST \/_cluster\/propose-batch: .*commands/);
    const notACommand = await node.post(rpcPaths.propose, { command: { type: "no.such.command" } });
    expect(notACommand.status).toBe(400);
    expect(notACommand.body.error.message).toMatch(/^Invalid body of POST \/_cluster\/propose: /);
    const lease = await node.post(rpcPaths.lease, { node: 7 });
    expect(lease.status).toBe(400);
    expect(node.proposed).toEqual([]);
  });

  it("is still refused whole when one of its commands is not the peer's to forward", async () => {
    const node = await leader();
    const batch = await node.post(rpcPaths.proposeBatch, { commands: [announce("b"), announce("c")] });
    expect(batch.status).toBe(403);
    expect(batch.body.error.code).toBe("AMS_ERR_CLUSTER_IDENTITY");
    expect(node.proposed).toEqual([]);
  });

  it("gets 421 from a follower, which does not read it", async () => {
    const node = await leader(false);
    const batch = await node.post(rpcPaths.proposeBatch, { commands: "not even a list" });
    expect(batch.status).toBe(421);
    expect(batch.body).toEqual({ retry: true });
  });
});
