// What one hop of a lone write costs on this machine with no Raft in it: one process writes a timestamp
// to another over loopback TCP, 1 ms apart (the receiver asleep, as a follower is between sequential
// writes), and the receiver takes the difference on the same clock traceReport.ts uses
// (performance.timeOrigin + performance.now()). Twice: the sender waiting right after its write (its core
// free, as the client after a request), and the sender busy for `--busy` µs after it (as a leader that
// goes on to write its own log after sending). The floor under traceReport.ts's wake-up hops.
// Run: npx -y pnpm@12.21.0 --filter @amstaff/bench exec node raft/hops.ts [--n 2000] [--busy 100]
import { fork } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "2000" },
    busy: { type: "string", default: "100" },
    receiver: { type: "boolean", default: false },
  },
});
const now = () => performance.timeOrigin + performance.now();

if (values.receiver) {
  const delays: number[] = [];
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      const t = now();
      for (let off = 0; off + 8 <= chunk.length; off += 8) delays.push(t - chunk.readDoubleBE(off));
    });
  });
  server.listen(0, "127.0.0.1", () => process.send!((server.address() as { port: number }).port));
  process.on("message", () => {
    process.send!(delays.splice(0));
  });
} else {
  const n = Number(values.n);
  const busyMs = Number(values.busy) / 1000;
  const child = fork(new URL(import.meta.url).pathname, ["--receiver"]);
  const [port] = (await once(child, "message")) as [number];
  const socket = connect({ port, host: "127.0.0.1", noDelay: true });
  await once(socket, "connect");
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p90 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
  const run = async (busy: boolean) => {
    for (let i = 0; i < n; i++) {
      await sleep(1);
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(now());
      socket.write(b);
      if (busy) for (const end = performance.now() + busyMs; performance.now() < end; );
    }
    await sleep(50);
    child.send("report");
    const [delays] = (await once(child, "message")) as [number[]];
    return delays.map((d) => d * 1000);
  };
  const load = loadavg()[0]!.toFixed(1);
  const idle = await run(false);
  const busy = await run(true);
  console.log(`loopback hop, node to node, receiver asleep 1 ms between messages (${n} each; load ${load}):`);
  console.log(`| sender after its write | hop p50 (µs) | p90 (µs) |\n|---|---|---|`);
  console.log(`| waits (its core free) | ${median(idle).toFixed(0)} | ${p90(idle).toFixed(0)} |`);
  console.log(`| busy for ${values.busy} µs | ${median(busy).toFixed(0)} | ${p90(busy).toFixed(0)} |`);
  socket.destroy();
  child.kill();
}
