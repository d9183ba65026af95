// Where a lone write's time goes: reads the per-write timeline that `AMSTAFF_RAFT_TRACE=<file>` makes the
// benchmark client, the three kvServer.ts nodes and @amstaff/raft write (packages/raft/src/writeTrace.ts),
// and prints the median of every hop of the sequential phase's writes, in the order a write takes them.
// Run:  AMSTAFF_RAFT_TRACE=/tmp/raft.trace npx -y pnpm@12.21.0 --filter @amstaff/bench run raft -- \
//         --no-etcd --trials 0 --seconds 1 --seq 2000
//       node bench/raft/traceReport.ts /tmp/raft.trace [--skip 100]
// The file is appended to: remove it between runs. A write counts when every hop of its critical path was
// seen. Times are performance.timeOrigin + performance.now() of each process (one host, one clock).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { skip: { type: "string", default: "100" } },
});
const path = positionals[0];
if (!path) throw new Error("usage: traceReport.ts <trace file> [--skip N]");

interface Event {
  pid: number;
  hop: string;
  key: number;
  t: number;
}
const events: Event[] = readFileSync(path, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const [pid, hop, key, t] = line.split(" ");
    return { pid: Number(pid), hop: hop!, key: Number(key), t: Number(t) };
  })
  .sort((a, b) => a.t - b.t);

/** Events of one hop by pid and key, in time order. */
const byHop = new Map<string, Event[]>();
for (const e of events) {
  const k = `${e.hop} ${e.pid} ${e.key}`;
  const list = byHop.get(k);
  if (list) list.push(e);
  else byHop.set(k, [e]);
}
const at = (hop: string, pid: number, key: number, after: number) =>
  byHop.get(`${hop} ${pid} ${key}`)?.find((e) => e.t >= after)?.t;
/** Index of the first event at or after `t` (events are sorted by time). */
const from = (t: number) => {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const firstIn = (hop: string, pid: number | undefined, start: number, end: number) => {
  for (let i = from(start); i < events.length && events[i]!.t <= end; i++) {
    const e = events[i]!;
    if (e.hop === hop && (pid === undefined || e.pid === pid)) return e;
  }
  return undefined;
};

const client = events.find((e) => e.hop === "clientSend")?.pid;
if (client === undefined) throw new Error("no clientSend in the trace: was the client traced?");
const sends = events.filter((e) => e.pid === client && e.hop === "clientSend");
const followers = [...new Set(events.filter((e) => e.hop === "followerRead").map((e) => e.pid))];

/** The critical path of one write, as offsets (ms) from the client's send. */
type Row = Record<string, number>;
const rows: Row[] = [];
let dropped = 0;
for (const send of sends.slice(Number(values.skip))) {
  const read = at("clientRead", client, send.key, send.t);
  if (read === undefined) continue;
  const proposal = firstIn("proposal", undefined, send.t, read);
  if (!proposal) {
    dropped++;
    continue;
  }
  const leader = proposal.pid;
  const index = proposal.key;
  const t0 = send.t;
  // The follower whose response the leader read first is the one the commit counted (with the leader's own
  // fsync or the other follower's response, whichever came next).
  const perFollower = followers.map((f) => ({
    f,
    read: at("followerRead", f, index, proposal.t),
    writeStart: at("followerWriteStart", f, index, proposal.t),
    fsyncDone: at("followerFsyncDone", f, index, proposal.t),
    sent: at("responseSent", f, index, proposal.t),
  }));
  const acked = perFollower.filter((p) => p.sent !== undefined).sort((a, b) => a.sent! - b.sent!);
  const first = acked[0];
  const second = acked[1];
  const row: Row = {
    leaderRead: (firstIn("leaderRead", leader, t0, read)?.t ?? Number.NaN) - t0,
    proposal: proposal.t - t0,
    appendSent: (at("appendSent", leader, index, proposal.t) ?? Number.NaN) - t0,
    followerRead: (first?.read ?? Number.NaN) - t0,
    followerWriteStart: (first?.writeStart ?? Number.NaN) - t0,
    followerFsyncDone: (first?.fsyncDone ?? Number.NaN) - t0,
    responseSent: (first?.sent ?? Number.NaN) - t0,
    leaderResponseRead: (at("leaderResponseRead", leader, index, proposal.t) ?? Number.NaN) - t0,
    commit: (at("commit", leader, index, proposal.t) ?? Number.NaN) - t0,
    apply: (at("apply", leader, index, proposal.t) ?? Number.NaN) - t0,
    replyWritten: (firstIn("replyWritten", leader, t0, read)?.t ?? Number.NaN) - t0,
    clientRead: read - t0,
    leaderFsyncStart: (at("leaderFsyncStart", leader, index, proposal.t) ?? Number.NaN) - t0,
    leaderFsyncEnd: (at("leaderFsyncEnd", leader, index, proposal.t) ?? Number.NaN) - t0,
    secondResponseSent: (second?.sent ?? Number.NaN) - t0,
    secondFollowerRead: (second?.read ?? Number.NaN) - t0,
  };
  // The leader's own fsync may cover several writes (it then carries the last one's index).
  if (Object.entries(row).some(([hop, v]) => Number.isNaN(v) && !hop.startsWith("leaderFsync"))) {
    dropped++;
    continue;
  }
  rows.push(row);
}

const median = (all: number[]) => {
  const xs = all.filter((x) => !Number.isNaN(x));
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
};
const p90 = (all: number[]) => {
  const xs = all.filter((x) => !Number.isNaN(x));
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length * 0.9)]!;
};
const us = (ms: number) => (ms * 1000).toFixed(0);

const path_ = [
  ["clientSend", "client sends the request"],
  ["leaderRead", "leader reads it (kvServer)"],
  ["proposal", "proposal in the core (ProposalBatch's turn)"],
  ["appendSent", "AppendEntries written to the first follower's socket"],
  ["followerRead", "acknowledging follower reads it"],
  ["followerWriteStart", "its durable write starts"],
  ["followerFsyncDone", "its durable write (fsync) done"],
  ["responseSent", "its response written to the socket"],
  ["leaderResponseRead", "leader reads the first response"],
  ["commit", "commit (Ready with the entry committed)"],
  ["apply", "applied to the state machine"],
  ["replyWritten", "reply written to the client's socket"],
  ["clientRead", "client reads the reply"],
] as const;
console.log(
  `${rows.length} sequential writes traced (${dropped} incomplete left out), ${followers.length} followers`,
);
console.log("| hop | median step (µs) | p90 step (µs) | median since client send (µs) |");
console.log("|---|---|---|---|");
for (let i = 0; i < path_.length; i++) {
  const [hop, label] = path_[i]!;
  const steps = rows.map((r) => (r[hop] ?? 0) - (i === 0 ? 0 : (r[path_[i - 1]![0]] ?? 0)));
  const since = rows.map((r) => r[hop] ?? 0);
  console.log(
    `| ${label} | ${i === 0 ? "" : us(median(steps))} | ${i === 0 ? "" : us(p90(steps))} | ${us(median(since))} |`,
  );
}
const col = (f: (r: Row) => number) => rows.map(f);
const leaderFsync = col((r) => r.leaderFsyncEnd! - r.leaderFsyncStart!);
const followerFsync = col((r) => r.followerFsyncDone! - r.followerWriteStart!);
console.log(
  `leader's own fsync: starts ${us(median(col((r) => r.leaderFsyncStart! - r.proposal!)))} µs after the proposal, ` +
    `takes ${us(median(leaderFsync))} µs (p90 ${us(p90(leaderFsync))}), ends ${us(median(col((r) => r.leaderFsyncEnd!)))} µs ` +
    `after the client's send; the acknowledging follower's write ${us(median(followerFsync))} µs (p90 ${us(p90(followerFsync))})`,
);
console.log(
  `second follower: reads the append ${us(median(col((r) => r.secondFollowerRead!)))} µs, responds ` +
    `${us(median(col((r) => r.secondResponseSent!)))} µs after the client's send`,
);
// What the commit waited for: the leader's own fsync (ended after the first response was read) or not.
const waitedForLeader = rows.filter((r) => !(r.leaderFsyncEnd! <= r.leaderResponseRead!)).length;
console.log(
  `the leader's fsync ended after the first response was read (or covered several writes) in ${waitedForLeader} of ${rows.length} writes ` +
    `(commit then waited for it or for the second response); commit - first response read: median ` +
    `${us(median(col((r) => r.commit! - r.leaderResponseRead!)))} µs`,
);
