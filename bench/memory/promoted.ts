// What a running node promotes, by the function that allocated it: attaches to a server started with
// `--inspect=127.0.0.1:<port>` (e.g. `cluster:capacity -- --node-args=--inspect=127.0.0.1:9339`), waits
// `--wait-s`, then runs V8's sampling heap profiler for `--sample-s` keeping the objects old-generation GCs
// collected but not those a scavenge collected: what is left is what survived the young generation (promoted,
// then dead or still live) plus the young objects alive at the end. Prints bytes per sample (at `--per-s`
// samples a second) by allocating function.
//   npx -y pnpm@12.21.0 --filter @amstaff/bench exec node memory/promoted.ts [--port 9339] [--wait-s 100]
//        [--sample-s 20] [--per-s 5000] [--top 30]
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { bytesByFunction, type ProfileNode } from "./heapProfile.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "9339" },
    "wait-s": { type: "string", default: "100" },
    "sample-s": { type: "string", default: "20" },
    "per-s": { type: "string", default: "5000" },
    top: { type: "string", default: "30" },
    /** Where to save the raw profile (`.heapprofile`, for DevTools): stacks, not only functions. */
    out: { type: "string" },
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(Number(values["wait-s"]) * 1000);
const [target] = (await (await fetch(`http://127.0.0.1:${values.port}/json/list`)).json()) as {
  webSocketDebuggerUrl: string;
}[];
const socket = new WebSocket(target!.webSocketDebuggerUrl);
await new Promise((r, j) => {
  socket.onopen = r;
  socket.onerror = j;
});
let nextId = 1;
const waiting = new Map<number, (result: unknown) => void>();
socket.onmessage = (event) => {
  const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
  if (message.id !== undefined) waiting.get(message.id)?.(message.result);
};
const post = (method: string, params: object = {}) =>
  new Promise<unknown>((r) => {
    const id = nextId++;
    waiting.set(id, r);
    socket.send(JSON.stringify({ id, method, params }));
  });

await post("HeapProfiler.enable");
await post("HeapProfiler.startSampling", {
  samplingInterval: 16384,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: false,
});
await sleep(Number(values["sample-s"]) * 1000);
const { profile } = (await post("HeapProfiler.getSamplingProfile")) as { profile: { head: ProfileNode } };
await post("HeapProfiler.stopSampling");
socket.close();
if (values.out) writeFileSync(values.out, JSON.stringify(profile));

const samples = Number(values["per-s"]) * Number(values["sample-s"]);
const { rows: all, total } = bytesByFunction(profile.head);
const rows = all.slice(0, Number(values.top));
process.stdout.write(
  [
    "",
    `${values["sample-s"]} s at ${values["per-s"]} samples/s: ${(total / samples).toFixed(0)} bytes survived a scavenge per sample (sampled)`,
    "",
    "| allocated by | bytes per sample |",
    "|---|---|",
    ...rows.map(([key, bytes]) => `| \`${key}\` | ${(bytes / samples).toFixed(0)} |`),
    "",
  ].join("\n"),
);
