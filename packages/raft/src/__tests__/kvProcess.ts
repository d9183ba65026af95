// A Raft KV node as a separate OS process, for the real-process test and the benchmark. Run with
//   node --import ../../scripts/tsHooks.mjs src/__tests__/kvProcess.ts
// env: RAFT_ID, RAFT_DB, RAFT_SECRET, RAFT_PORT (0 = any), RAFT_MEMBERS (comma list, founders only),
//      RAFT_TICK_MS, RAFT_SNAPSHOT_MIN_BYTES, RAFT_SNAPSHOT_CHUNK_BYTES, RAFT_SNAPSHOT_KEEP
// IPC protocol (process.send): parent -> {t:"peers", peers}, {t:"put", id, key, value}, {t:"get", id, key},
// {t:"status", id}; child -> {t:"listening", port}, {t:"reply", id, ok, value?, code?, leader?}.
import { NotLeaderError, RaftError } from "../errors.js";
import type { KvCommand } from "../kvStateMachine.js";
import { KvStateMachine } from "../kvStateMachine.js";
import { RaftNode } from "../raftNode.js";
import { SqliteStorage } from "../sqliteStorage.js";
import { TcpTransport } from "../tcpTransport.js";

const env = process.env;
const id = env.RAFT_ID!;
const transport = new TcpTransport({
  id,
  secret: env.RAFT_SECRET!,
  listen: { host: "127.0.0.1", port: Number(env.RAFT_PORT ?? 0) },
  logger: { warn: (m, d) => console.warn(`[${id}] ${m} ${JSON.stringify(d ?? {})}`) },
});
class CountingKv extends KvStateMachine {
  restores = 0;
  override restore(s: Uint8Array): void {
    this.restores++;
    super.restore(s);
  }
}
const kv = new CountingKv();
let node: RaftNode<KvCommand, string | null> | null = null;
const send = (m: unknown) => process.send?.(m);

await transport.listen(() => {});
send({ t: "listening", port: transport.address().port });

process.on("message", async (raw) => {
  const m = raw as {
    t: string;
    id?: number;
    key?: string;
    value?: string;
    peers?: Record<string, { host: string; port: number }>;
  };
  if (m.t === "peers") {
    for (const [peer, addr] of Object.entries(m.peers ?? {})) if (peer !== id) transport.setPeer(peer, addr);
    if (!node) {
      node = await RaftNode.create<KvCommand, string | null>({
        id,
        ...(env.RAFT_MEMBERS ? { initialMembers: env.RAFT_MEMBERS.split(",") } : {}),
        transport,
        storage: new SqliteStorage({
          path: env.RAFT_DB!,
          ...(env.RAFT_SNAPSHOT_CHUNK_BYTES
            ? { snapshotWriteChunkBytes: Number(env.RAFT_SNAPSHOT_CHUNK_BYTES) }
            : {}),
        }),
        stateMachine: kv,
        tickMs: Number(env.RAFT_TICK_MS ?? 50),
        ...(env.RAFT_SNAPSHOT_MIN_BYTES
          ? { snapshotPolicy: { logSizeFactor: 1, minLogBytes: Number(env.RAFT_SNAPSHOT_MIN_BYTES) } }
          : {}),
        snapshotKeep: Number(env.RAFT_SNAPSHOT_KEEP ?? 1000),
      });
    }
    send({ t: "ready" });
    return;
  }
  const reply = (body: Record<string, unknown>) => send({ t: "reply", id: m.id, ...body });
  if (!node) return reply({ ok: false, code: "NOT_STARTED" });
  try {
    if (m.t === "put") {
      const prev = await node.propose({ op: "put", key: m.key!, value: m.value! });
      reply({ ok: true, value: prev });
    } else if (m.t === "get") {
      const v = await node.read(() => kv.get(m.key!));
      reply({ ok: true, value: v });
    } else if (m.t === "status") {
      reply({
        ok: true,
        value: {
          role: node.role,
          leader: node.leader,
          term: node.term,
          applied: node.appliedIndex,
          commit: node.commitIndex,
          size: kv.size,
          restores: kv.restores,
        },
      });
    } else if (m.t === "has") {
      const keys = (m as unknown as { keys: string[] }).keys;
      reply({ ok: true, value: keys.filter((k) => kv.get(k) === null) });
    }
  } catch (error) {
    if (error instanceof NotLeaderError) reply({ ok: false, code: error.code, leader: error.leaderHint });
    else if (error instanceof RaftError) reply({ ok: false, code: error.code });
    else reply({ ok: false, code: String(error) });
  }
});
process.on("SIGTERM", async () => {
  await node?.stop();
  process.exit(0);
});
