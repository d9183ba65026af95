import { type KvCommand, KvStateMachine } from "../kvStateMachine.js";
import { RaftNode } from "../raftNode.js";
import { MemoryStorage } from "../storage.js";
import { TcpTransport } from "../tcpTransport.js";
import type { TcpTransportOptions } from "../tcpTransportOptions.js";
import { sleep } from "./until.js";

/**
 * Three (or more) RaftNodes over real TcpTransports on loopback, each transport with `options(id)`; its
 * closers go to `closers`. Resolves once a leader is elected (or after 5 s without one: `leader` undefined).
 */
export async function tcpCluster(
  ids: string[],
  secret: string,
  closers: (() => Promise<unknown>)[],
  options: (id: string) => Partial<TcpTransportOptions> = () => ({}),
) {
  const transports = new Map(ids.map((id) => [id, new TcpTransport({ id, secret, ...options(id) })]));
  const kvs = ids.map(() => new KvStateMachine());
  // Bind first so every node knows every address; RaftNode.create calls listen again, which only sets the handler.
  for (const t of transports.values()) await t.listen(() => {});
  for (const [id, t] of transports)
    for (const [other, u] of transports) if (id !== other) t.setPeer(other, u.address());
  const nodes: RaftNode<KvCommand, string | null>[] = [];
  for (const [i, id] of ids.entries()) {
    const node = await RaftNode.create<KvCommand, string | null>({
      id,
      initialMembers: ids,
      transport: transports.get(id)!,
      storage: new MemoryStorage(),
      stateMachine: kvs[i]!,
      tickMs: 10,
    });
    nodes.push(node);
    closers.push(() => node.stop());
  }
  let leader: RaftNode<KvCommand, string | null> | undefined;
  for (let i = 0; i < 500 && !leader; i++) {
    leader = nodes.find((n) => n.role === "leader");
    await sleep(10);
  }
  return { transports, nodes, kvs, leader };
}
