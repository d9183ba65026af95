// One @amstaff/raft node of the benchmark cluster, as its own OS process: the package's KvStateMachine,
// SqliteStorage (WAL, synchronous=FULL) and TcpTransport between nodes, plus a tiny client endpoint
// (length-prefixed JSON over TCP, frames.ts) so that the benchmark client reaches it the way it reaches etcd
// over gRPC: a separate process, one loopback TCP connection, requests multiplexed by id.
// env: RAFT_ID, RAFT_DB, RAFT_SECRET, RAFT_PORT, CLIENT_PORT, RAFT_PEERS (JSON {id: {host, port}}), RAFT_DIST,
//      RAFT_MEMBERS (comma list, founders only; omitted on restart), BENCH_DIAGNOSTICS=1 (event-loop delay),
//      RAFT_TLS_DIR (mutual TLS: ca.pem, <id>.pem, <id>-key.pem as `amstaff-server certs` writes them)
// Requests: {id, op: "put", key, value} | {id, op: "status"} | {id, op: "diagnostics"} (read and reset).
// Replies: {id, ok: true, value?} | {id, ok: false, code, leader?}.
import { fsync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { KvCommand, RaftStorage } from "@amstaff/raft";
import { readFrames, writeFrame } from "./frames.ts";

const env = process.env;
// RAFT_DIST=<dir>: another build of @amstaff/raft (its dist copied into packages/raft/, so that its own
// dependencies resolve), for `bench raft --against`: two builds measured in alternating rounds of one run.
const { KvStateMachine, NotLeaderError, RaftError, RaftNode, SqliteStorage, TcpTransport, writeTrace } =
  (await import(
    env.RAFT_DIST ? pathToFileURL(join(env.RAFT_DIST, "index.js")).href : "@amstaff/raft"
  )) as typeof import("@amstaff/raft");
const id = env.RAFT_ID!;
const peers = JSON.parse(env.RAFT_PEERS!) as Record<string, { host: string; port: number }>;
const transport = new TcpTransport({
  id,
  secret: env.RAFT_SECRET!,
  listen: { host: "127.0.0.1", port: Number(env.RAFT_PORT) },
  peers: Object.fromEntries(Object.entries(peers).filter(([peer]) => peer !== id)),
  logger: { warn: () => {} },
  ...(env.RAFT_TLS_DIR
    ? {
        tls: {
          ca: readFileSync(join(env.RAFT_TLS_DIR, "ca.pem")),
          cert: readFileSync(join(env.RAFT_TLS_DIR, `${id}.pem`)),
          key: readFileSync(join(env.RAFT_TLS_DIR, `${id}-key.pem`)),
        },
      }
    : {}),
});

// Counts and times durable writes (one SQLite transaction with fsync each): how well group commit batches
// and what one costs, comparable with etcd's etcd_disk_wal_fsync_duration_seconds. Writes that only move the
// commit index (sync: false, no fsync, as etcd's WAL skips its fsync for them) are not counted; neither is
// the leader's unsynced write of its new entries, whose background sync() is counted instead.
const sqlite = new SqliteStorage({ path: env.RAFT_DB! });
let saves = 0;
let saveSeconds = 0;
// Diagnostics for the benchmark's tail-latency reading: save() durations and event-loop stalls (ns).
const saveHistogram = createHistogram();
// Off unless asked for (bench.ts --diagnostics): the delay monitor wakes the loop every millisecond.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
if (env.BENCH_DIAGNOSTICS === "1") loopDelay.enable();
const syncDelayMs = Number(env.RAFT_SYNC_DELAY_MS ?? 0);
// RAFT_SYNC_FSYNC=1: the background sync is an fsync (data and metadata, as SQLite's own) of the WAL
// instead of SqliteStorage's fdatasync (measured against each other; bench/README.md).
let walFd: number | undefined;
const walFsync =
  env.RAFT_SYNC_FSYNC === "1"
    ? () =>
        new Promise<void>((resolve, reject) => {
          walFd ??= openSync(`${env.RAFT_DB!}-wal`, "r+");
          fsync(walFd, (error) => (error ? reject(error) : resolve()));
        })
    : undefined;
const record = (start: number) => {
  const ms = performance.now() - start;
  saves++;
  saveSeconds += ms / 1000;
  saveHistogram.record(Math.max(1, Math.round(ms * 1e6)));
};
// Synchronous when the write is (SqliteStorage.save): no promise the node would wait a turn for, which a
// server using SqliteStorage directly does not have either.
const timed = (write: () => void | Promise<void>): void | Promise<void> => {
  const start = performance.now();
  const pending = write();
  if (pending) return pending.then(() => record(start));
  record(start);
};
const storage: RaftStorage = {
  load: () => sqlite.load(),
  save: (update) => (update.sync === false ? sqlite.save(update) : timed(() => sqlite.save(update))),
  // RAFT_NO_SYNC=1: the leader waits for its own synced save, as before SqliteStorage had sync().
  // RAFT_SYNC_DELAY_MS=N: the leader's background sync starts N ms late, after its followers' (measured
  // against starting at once, so that three fsyncs do not share the disk; bench/README.md).
  ...(env.RAFT_NO_SYNC === "1"
    ? {}
    : {
        sync: async () => {
          if (syncDelayMs > 0) await delay(syncDelayMs);
          await timed(() => (walFsync ? walFsync() : sqlite.sync()));
        },
      }),
  saveSnapshot: (snapshot, compactTo) => sqlite.saveSnapshot(snapshot, compactTo),
  // Reads pass through: the node keeps only a tail of its log and its snapshot's metadata in memory.
  entries: (lo, hi, maxBytes) => sqlite.entries(lo, hi, maxBytes),
  snapshotData: (index) => sqlite.snapshotData(index),
  close: () => sqlite.close(),
};

const kv = new KvStateMachine();
const node = await RaftNode.create<KvCommand, string | null>({
  id,
  ...(env.RAFT_MEMBERS ? { initialMembers: env.RAFT_MEMBERS.split(",") } : {}),
  transport,
  storage,
  stateMachine: kv,
});

interface Request {
  id: number;
  op: string;
  key?: string;
  value?: string;
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("error", () => {});
  readFrames(socket, async (raw) => {
    const m = raw as Request;
    const reply = (body: Record<string, unknown>) => {
      if (!socket.destroyed) writeFrame(socket, { id: m.id, ...body });
    };
    try {
      if (m.op === "put") {
        writeTrace?.("leaderRead", m.id);
        await node.propose({ op: "put", key: String(m.key), value: String(m.value) });
        writeTrace?.("replyWritten", m.id);
        reply({ ok: true });
      } else if (m.op === "diagnostics") {
        const ms = (ns: number) => ns / 1e6;
        reply({
          ok: true,
          value: {
            saveP50: ms(saveHistogram.percentile(50)),
            saveP99: ms(saveHistogram.percentile(99)),
            saveMax: ms(saveHistogram.max),
            loopP99: ms(loopDelay.percentile(99)),
            loopMax: ms(loopDelay.max),
          },
        });
        saveHistogram.reset();
        loopDelay.reset();
      } else if (m.op === "status") {
        reply({
          ok: true,
          value: { role: node.role, leader: node.leader, term: node.term, saves, saveSeconds },
        });
      } else reply({ ok: false, code: "BAD_REQUEST" });
    } catch (error) {
      if (error instanceof NotLeaderError) reply({ ok: false, code: error.code, leader: error.leaderHint });
      else if (error instanceof RaftError) reply({ ok: false, code: error.code });
      else reply({ ok: false, code: "ERROR" });
    }
  });
});
server.listen(Number(env.CLIENT_PORT), "127.0.0.1");
process.on("SIGTERM", async () => {
  server.close();
  await node.stop();
  process.exit(0);
});
