// A local keep-alive HTTP target in a child process (its allocations do not count in the caller's heap), and
// one `@amstaff/sampler-http` sampler per monitor against it: what `probeAllocations.ts` and
// `probePromotion.ts` probe.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { httpSampler } from "@amstaff/sampler-http";

export interface ProbeTarget {
  samplers: ReturnType<typeof httpSampler>[];
  process: ChildProcess;
}

/**
 * Starts the target, answering `200 {"status":"UP"}` with `headers` extra response headers after `delayMs`
 * (0: at once), and makes `monitors` samplers of distinct URLs on it.
 */
export async function startProbeTarget(monitors: number, headers = 0, delayMs = 0): Promise<ProbeTarget> {
  const source = `
const extra = {};
for (let i = 0; i < ${headers}; i++) extra["x-header-" + i] = "value-" + i;
const server = require("node:http").createServer({ keepAlive: true }, (req, res) => {
  req.resume();
  const answer = () => { res.writeHead(200, { "content-type": "application/json", ...extra }); res.end('{"status":"UP"}'); };
  if (${delayMs} > 0) setTimeout(answer, ${delayMs}); else answer();
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ["-e", source], { stdio: ["ignore", "pipe", "inherit"] });
  const [port] = (await once(child.stdout!, "data")) as [Buffer];
  const samplers = Array.from({ length: monitors }, (_, i) =>
    httpSampler({ url: `http://127.0.0.1:${String(port).trim()}/health/${i}` }),
  );
  return { samplers, process: child };
}
