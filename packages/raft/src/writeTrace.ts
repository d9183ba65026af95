import { closeSync, openSync, writeSync } from "node:fs";

/**
 * The hops of one write through a cluster, in the order a lone write takes them: the client's request,
 * the leader's proposal and AppendEntries, a follower's read, durable write and response, the leader's
 * commit, apply and reply; plus the leader's own fsync beside them (Raft thesis §10.2.1).
 */
export const TraceHops = [
  "clientSend",
  "leaderRead",
  "proposal",
  "appendSent",
  "followerRead",
  "followerWriteStart",
  "followerFsyncDone",
  "responseSent",
  "leaderResponseRead",
  "commit",
  "apply",
  "replyWritten",
  "clientRead",
  "leaderFsyncStart",
  "leaderFsyncEnd",
] as const;
/** @see TraceHops */
export type TraceHop = (typeof TraceHops)[number];

/** Records that `hop` happened now for `key` (a log index, or a client request's id). */
export type WriteTracer = (hop: TraceHop, key: number) => void;

const CAPACITY = 1 << 14;
const FLUSH_MS = 250;

/**
 * Buffers hops in typed arrays and appends them to `path` as text lines `pid hop key ms` every
 * {@link FLUSH_MS} and at exit (a process killed with SIGKILL loses at most the last interval). `ms` is
 * `performance.timeOrigin + performance.now()`: comparable between processes of one host.
 */
function fileTracer(path: string): WriteTracer {
  const fd = openSync(path, "a");
  const hops = new Uint8Array(CAPACITY);
  const keys = new Float64Array(CAPACITY);
  const times = new Float64Array(CAPACITY);
  const hopIds = new Map<TraceHop, number>(TraceHops.map((h, i) => [h, i]));
  let n = 0;
  const flush = () => {
    if (n === 0) return;
    let text = "";
    for (let i = 0; i < n; i++) {
      text += `${process.pid} ${TraceHops[hops[i]!]} ${keys[i]} ${times[i]!.toFixed(3)}\n`;
    }
    n = 0;
    // Appends from several processes to one file: each write lands whole at the end (O_APPEND).
    writeSync(fd, text);
  };
  setInterval(flush, FLUSH_MS).unref();
  process.once("exit", () => {
    flush();
    closeSync(fd);
  });
  const origin = performance.timeOrigin;
  return (hop, key) => {
    times[n] = origin + performance.now();
    hops[n] = hopIds.get(hop)!;
    keys[n] = key;
    if (++n === CAPACITY) flush();
  };
}

/**
 * The per-write timeline, on when the environment variable `AMSTAFF_RAFT_TRACE` names a file (every
 * traced process of a host may share it), otherwise undefined: callers write `writeTrace?.(hop, key)`, which
 * evaluates nothing when tracing is off. For `bench/raft/traceReport.ts`; not for production use.
 */
export const writeTrace: WriteTracer | undefined = process.env.AMSTAFF_RAFT_TRACE
  ? fileTracer(process.env.AMSTAFF_RAFT_TRACE)
  : undefined;
