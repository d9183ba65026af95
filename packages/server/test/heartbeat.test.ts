import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { eventually, type ServerProcess, startCluster } from "./serverProcess.js";

const cliPath = fileURLToPath(new URL("../dist/amstaffCli.js", import.meta.url));

const moduleSource = (tags: string) => `import { amstaff, every } from "@amstaff/dsl";
import { heartbeat } from "@amstaff/sampler-heartbeat";

export default amstaff("batch", (m) => {
  m.monitor("backup", {
    sampler: heartbeat({ every: "2s", grace: "3s" }),
    timing: every("1s"),
    tags: [${tags}],
  });
});
`;

/** `amstaff ping-url` against a node, as a user runs it. */
function pingUrlOf(node: ServerProcess): string {
  const result = spawnSync(process.execPath, [cliPath, "ping-url", "batch", "backup"], {
    env: { ...process.env, AMSTAFF_URL: node.url, AMSTAFF_TOKEN: node.token },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

interface MonitorView {
  status: string;
  lastResult: { message: string; value?: number } | null;
}

async function monitorOf(node: ServerProcess): Promise<MonitorView | undefined> {
  const monitors = (await node.api("/monitors?module=batch")).body as MonitorView[];
  return monitors[0];
}

/** Waits until the monitor's status is `status` (and its message matches), as any node reports it. */
function statusBecomes(node: ServerProcess, status: string, message?: RegExp) {
  return eventually(
    async () => {
      const monitor = await monitorOf(node);
      return monitor?.status === status && (!message || message.test(monitor.lastResult?.message ?? ""))
        ? monitor
        : undefined;
    },
    20_000,
    `status ${status}`,
  );
}

const ping = (url: string, method = "GET", body?: string) =>
  fetch(url, { method, body, signal: AbortSignal.timeout(10_000) });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("heartbeat monitors in a two-node cluster of real processes", () => {
  it("take pings on any node, go late then critical, report failures and run time, and keep their URL", async () => {
    await using nodes = await startCluster(["a", "b"]);
    const a = nodes.get("a")!;
    const b = nodes.get("b")!;
    expect((await a.api("/monitor", { method: "POST", body: moduleSource("") })).status).toBe(201);
    const plugins = (await a.api("/plugins")).body as { id: string }[];
    expect(plugins.map((p) => p.id)).toContain("@amstaff/sampler-heartbeat");

    const url = pingUrlOf(a);
    expect(url).toMatch(new RegExp(`^${a.url}/ping/[A-Za-z0-9_-]{22}$`));
    const id = url.slice(url.lastIndexOf("/") + 1);
    // The same id on every node: it is made from state every node shares.
    expect((await b.api("/monitors/batch/backup/ping-url")).body).toMatchObject({ id, path: `/ping/${id}` });

    // The owner runs the monitor; a ping to the other node is committed all the same.
    const owner = await eventually(async () => {
      const view = (await a.api("/cluster")).body as { members: { id: string; modules: string[] }[] };
      return view.members.find((m) => m.modules.includes("batch"))?.id;
    });
    const other = owner === "a" ? b : a;
    const answer = await ping(`${other.url}/ping/${id}`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe("OK\n");
    await statusBecomes(a, "ok", /Pinged in time/);

    // No more pings: late (warning) once the period is over, critical once the grace is.
    await statusBecomes(a, "critical", /No ping/);
    const transitions = (await a.api("/monitors/batch/backup/transitions")).body as { to: string }[];
    expect(transitions.map((t) => t.to).reverse()).toEqual(expect.arrayContaining(["warning", "critical"]));
    const toStatuses = transitions.map((t) => t.to).reverse();
    expect(toStatuses.indexOf("warning")).toBeLessThan(toStatuses.lastIndexOf("critical"));

    // A run: HEAD /start, then POST /0 with the log as the message; the run time is the value.
    const started = await ping(`${url}/start`, "HEAD");
    expect(started.status).toBe(200);
    await sleep(300);
    expect((await ping(`${other.url}/ping/${id}/0`, "POST", "backup done")).status).toBe(200);
    const ran = await statusBecomes(a, "ok", /last run took/);
    expect(ran.lastResult?.value).toBeGreaterThanOrEqual(300);

    // A failure is critical at once, with the body as the message; so is a non-zero exit code.
    expect((await ping(`${url}/fail`, "POST", "disk full")).status).toBe(200);
    await statusBecomes(a, "critical", /The job failed at .*: disk full/);
    // Pings of one kind within a second of the last are answered but not committed: wait it out.
    await sleep(1_100);
    expect((await ping(url)).status).toBe(200);
    await statusBecomes(a, "ok");
    await sleep(1_100);
    expect((await ping(`${url}/3`)).status).toBe(200);
    await statusBecomes(a, "critical", /exit code 3/);

    // The long form is the plugin's own route; an unknown id or signal is not found.
    expect((await ping(`${a.url}/integrations/heartbeat/ping/${id}`)).status).toBe(200);
    expect((await ping(`${a.url}/ping/AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
    expect((await ping(`${url}/restart`)).status).toBe(404);

    // A re-push and a restart keep the URL.
    expect((await a.api("/monitor", { method: "POST", body: moduleSource('"nightly"') })).status).toBe(200);
    expect(pingUrlOf(b).endsWith(`/ping/${id}`)).toBe(true);
    await a.stop();
    await a.start();
    expect(pingUrlOf(a)).toBe(`${a.url}/ping/${id}`);
  }, 180_000);
});
