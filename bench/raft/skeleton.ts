// The floor under a lone replicated write on this machine: bench.ts's sequential write with everything
// but its I/O taken out. Four processes as in bench.ts — a client, a "leader" and two "followers" — over
// loopback TCP (noDelay, 4-byte length frames of a few bytes, no JSON, no Raft): the client sends a write;
// the leader forwards it to both followers, then writes it unsynced and syncs it off the event loop
// (SqliteStorage.save({ sync: false }) + sync(), as @amstaff/raft's leader does); each follower writes it
// synced (SqliteStorage.save(), one fsync, as ours) and answers; the leader answers the client once two of
// the three copies are durable. Same hops, same durable writes, same processes on the same two cores as a
// sequential write of bench.ts, so the difference between the two is what Raft and the endpoints add.
// With AMSTAFF_RAFT_TRACE=<file> it records the hops traceReport.ts reads (a write's number as its key), to
// set hop by hop against bench.ts's.
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench exec node raft/skeleton.ts [--n 2000]
import { fork } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SqliteStorage, writeTrace as trace } from "@amstaff/raft";
import { readFrames, writeFrame } from "./frames.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "2000" },
    role: { type: "string" },
    db: { type: "string" },
    followers: { type: "string" },
  },
});

const listen = async (onSocket: (s: Socket) => void) => {
  const server = createServer((s) => {
    s.setNoDelay(true);
    onSocket(s);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as { port: number }).port;
};
const dial = async (port: number) => {
  const s = connect({ port, host: "127.0.0.1", noDelay: true });
  await once(s, "connect");
  return s;
};
const entry = (index: number) => ({ index, term: 1, type: 0 as const, data: Buffer.from(`value-${index}`) });

if (values.role === "follower") {
  const storage = new SqliteStorage({ path: values.db! });
  const port = await listen((s) =>
    readFrames(s, (m) => {
      const { i } = m as { i: number };
      trace?.("followerRead", i);
      trace?.("followerWriteStart", i);
      storage.save({ entries: [entry(i)], hardState: { term: 1, vote: "l", commit: i - 1 } });
      trace?.("followerFsyncDone", i);
      trace?.("responseSent", i);
      writeFrame(s, { i });
    }),
  );
  process.send!(port);
} else if (values.role === "leader") {
  const storage = new SqliteStorage({ path: values.db! });
  const followers = await Promise.all(values.followers!.split(",").map((p) => dial(Number(p))));
  const durable = new Map<number, { count: number; reply: () => void }>();
  const ack = (i: number) => {
    const d = durable.get(i);
    if (d && ++d.count === 2) {
      trace?.("commit", i);
      trace?.("apply", i);
      trace?.("replyWritten", i);
      d.reply();
      durable.delete(i);
    }
  };
  for (const f of followers) {
    readFrames(f, (m) => {
      trace?.("leaderResponseRead", (m as { i: number }).i);
      ack((m as { i: number }).i);
    });
  }
  const port = await listen((client) =>
    readFrames(client, (m) => {
      const { i } = m as { i: number };
      trace?.("leaderRead", i);
      trace?.("proposal", i);
      durable.set(i, { count: 0, reply: () => writeFrame(client, { i }) });
      for (const f of followers) {
        writeFrame(f, { i });
        trace?.("appendSent", i);
      }
      storage.save({ entries: [entry(i)], sync: false });
      trace?.("leaderFsyncStart", i);
      void storage.sync().then(() => {
        trace?.("leaderFsyncEnd", i);
        ack(i);
      });
    }),
  );
  process.send!(port);
} else {
  const n = Number(values.n);
  const dir = mkdtempSync(join(tmpdir(), "raft-skeleton-"));
  const self = new URL(import.meta.url).pathname;
  const start = async (args: string[]) => {
    const child = fork(self, args, { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const [port] = (await once(child, "message")) as [number];
    return { child, port };
  };
  const f1 = await start(["--role", "follower", "--db", join(dir, "f1.db")]);
  const f2 = await start(["--role", "follower", "--db", join(dir, "f2.db")]);
  const leader = await start([
    "--role",
    "leader",
    "--db",
    join(dir, "l.db"),
    "--followers",
    `${f1.port},${f2.port}`,
  ]);
  const socket = await dial(leader.port);
  let answered: (() => void) | null = null;
  readFrames(socket, () => answered?.());
  // utime + stime of the three servers (ms), as bench.ts's "server CPU per sequential write" (no idle taken out).
  const cpu = () =>
    [leader, f1, f2].reduce((sum, { child }) => {
      const f = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return sum + (Number(f[11]) + Number(f[12])) * 10;
    }, 0);
  const load0 = loadavg()[0]!;
  const times: number[] = [];
  let cpu0 = 0;
  for (let i = 1; i <= n + 200; i++) {
    const t = performance.now();
    trace?.("clientSend", i);
    await new Promise<void>((resolve) => {
      answered = resolve;
      writeFrame(socket, { i });
    });
    trace?.("clientRead", i);
    if (i > 200) times.push(performance.now() - t);
    if (i === 200) cpu0 = cpu();
  }
  const cpuUs = ((cpu() - cpu0) * 1000) / n;
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.floor((p / 100) * times.length)]!.toFixed(2);
  console.log(
    `skeleton (no Raft, same hops and durable writes): ${n} sequential writes, p50 ${at(50)} ms, p90 ${at(90)} ms, server CPU ${cpuUs.toFixed(0)} µs per write; ` +
      `load ${load0.toFixed(1)}/${loadavg()[0]!.toFixed(1)}`,
  );
  socket.destroy();
  for (const c of [leader, f1, f2]) c.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
