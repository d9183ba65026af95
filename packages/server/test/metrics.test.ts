import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, startTarget } from "./localServers.js";
import { metricValue, type PromExposition, parsePrometheusText, samplesOf } from "./prometheusText.js";
import { eventually, ServerProcess } from "./serverProcess.js";

const readToken = "prometheus-read-token-0123";
const target = await startTarget();
const receiver = await startReceiver();
const server = new ServerProcess(undefined, {
  args: ["--metrics-public", "--history-raw-days", "3", "--history-rollup-days", "30"],
  env: { AMSTAFF_READ_TOKENS: `prometheus=${readToken}` },
});

const moduleFile = `import { amstaff, every } from "@amstaff/dsl";
import { httpGet } from "@amstaff/sampler-http";
import { webhook } from "@amstaff/handler-webhook";

export default amstaff("Metrics Shop", (m) => {
  m.monitor("Check out", {
    sampler: httpGet({ url: "${target.url}/health" }),
    timing: every("1s"),
    handlers: [webhook({ url: "${receiver.url}/hook" })],
  });
});
`;

async function scrape(token?: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

/** Every histogram's buckets are cumulative (never decrease as `le` grows) and end at `_count`. */
function expectHistogramsWellFormed(metrics: PromExposition): void {
  const histograms = [...metrics.type].filter(([, type]) => type === "histogram").map(([name]) => name);
  expect(histograms).toEqual(
    expect.arrayContaining(["amstaff_sample_duration_seconds", "amstaff_schedule_lateness_seconds"]),
  );
  for (const name of histograms) {
    const series = new Map<string, { le: number; value: number }[]>();
    for (const s of samplesOf(metrics, `${name}_bucket`)) {
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [
        ...(series.get(key) ?? []),
        { le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), value: s.value },
      ]);
    }
    for (const [key, buckets] of series) {
      buckets.sort((a, b) => a.le - b.le);
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i]!.value, `${name} ${key}`).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      }
      expect(buckets.at(-1)!.le).toBe(Number.POSITIVE_INFINITY);
      expect(metricValue(metrics, `${name}_count`, JSON.parse(key))).toBe(buckets.at(-1)!.value);
    }
  }
}

beforeAll(async () => {
  await server.start();
});

afterAll(async () => {
  await server[Symbol.asyncDispose]();
  await target[Symbol.asyncDispose]();
  await receiver[Symbol.asyncDispose]();
});

describe("GET /metrics", { timeout: 60_000 }, () => {
  it("exposes samples, lateness, transitions, deliveries, monitors and Raft in the Prometheus text format", async () => {
    expect((await server.api("/monitor", { method: "POST", body: moduleFile })).status).toBe(201);
    await eventually(
      async () => ((await server.api("/monitors")).body[0]?.status === "ok" ? true : undefined),
      15_000,
      "the monitor to settle on ok",
    );
    target.status = 500;
    await eventually(() => (receiver.received.length > 0 ? true : undefined), 15_000, "the alert");

    const metrics = await eventually(
      async () => {
        const parsed = parsePrometheusText((await scrape(readToken)).text);
        const attempts = metricValue(parsed, "amstaff_delivery_attempts_total", {
          plugin: "@amstaff/handler-webhook",
          outcome: "delivered",
        });
        return attempts === 1 ? parsed : undefined;
      },
      10_000,
      "the delivery to be counted",
    );
    target.status = 200;

    // Every family has HELP and TYPE; every sample line parsed (the parser is strict); ours are numbers.
    const amstaff = metrics.samples.filter((s) => s.name.startsWith("amstaff_"));
    expect(amstaff.filter((s) => Number.isNaN(s.value))).toEqual([]);
    for (const name of metrics.type.keys()) expect(metrics.help.has(name), name).toBe(true);
    expect(metrics.type.get("amstaff_samples_total")).toBe("counter");
    expect(metrics.type.get("amstaff_monitors")).toBe("gauge");

    const shop = { module: "Metrics Shop" };
    expect(metricValue(metrics, "amstaff_samples_total", { ...shop, status: "ok" })).toBeGreaterThan(0);
    expect(metricValue(metrics, "amstaff_samples_total", { ...shop, status: "critical" })).toBeGreaterThan(0);
    expect(metricValue(metrics, "amstaff_transitions_total", { ...shop, from: "pending", to: "ok" })).toBe(1);
    expect(metricValue(metrics, "amstaff_transitions_total", { ...shop, from: "ok", to: "critical" })).toBe(
      1,
    );
    expect(
      metricValue(metrics, "amstaff_delivery_failures_total", { plugin: "@amstaff/handler-webhook" }),
    ).toBe(undefined);
    expect(metricValue(metrics, "amstaff_monitors", { ...shop, status: "critical" })).toBe(1);
    expect(metricValue(metrics, "amstaff_monitors", { ...shop, status: "ok" })).toBe(0);
    expect(metricValue(metrics, "amstaff_deliveries_pending")).toBe(0);
    // No label carries the monitor's name: series stay few with 10,000 monitors.
    expect(metrics.samples.some((s) => Object.values(s.labels).includes("Check out"))).toBe(false);

    const samples =
      metricValue(metrics, "amstaff_samples_total", { ...shop, status: "ok" })! +
      metricValue(metrics, "amstaff_samples_total", { ...shop, status: "critical" })!;
    expect(metricValue(metrics, "amstaff_sample_duration_seconds_count", shop)).toBe(samples);
    expect(metricValue(metrics, "amstaff_schedule_lateness_seconds_count")).toBeGreaterThanOrEqual(samples);
    expectHistogramsWellFormed(metrics);

    expect(metricValue(metrics, "amstaff_raft_term")).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, "amstaff_raft_is_leader")).toBe(1);
    expect(metricValue(metrics, "amstaff_raft_role", { role: "leader" })).toBe(1);
    expect(metricValue(metrics, "amstaff_raft_role", { role: "follower" })).toBe(0);
    const commit = metricValue(metrics, "amstaff_raft_commit_index")!;
    const applied = metricValue(metrics, "amstaff_raft_applied_index")!;
    expect(commit).toBeGreaterThanOrEqual(applied);
    expect(applied).toBeGreaterThan(0);
    expect(metricValue(metrics, "amstaff_raft_apply_lag")).toBe(commit - applied);
    expect(metricValue(metrics, "amstaff_raft_leader_changes_total")).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, "amstaff_history_buffered_samples")).toBeGreaterThanOrEqual(0);
    expect(samplesOf(metrics, "amstaff_build_info")).toHaveLength(1);
    expect(metricValue(metrics, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(metricValue(metrics, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  });

  it("is served without a token with --metrics-public, in Prometheus' content type", async () => {
    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parsePrometheusText(text).type.get("amstaff_samples_total")).toBe("counter");
    // Only /metrics is public: the rest of the API still wants a token.
    expect((await server.api("/modules", { token: null })).status).toBe(401);
  });

  it("keeps the history of the process's samples, readable with the read-only token", async () => {
    const { status, body } = await server.api("/modules/Metrics%20Shop/monitors/Check%20out/samples", {
      token: readToken,
    });
    expect(status).toBe(200);
    expect(body.resolution).toBe("raw");
    const statuses = new Set(body.samples.map((s: { status: string }) => s.status));
    expect(statuses).toEqual(new Set(["ok", "critical"]));
    const refused = await server.api("/modules/Metrics%20Shop", { method: "DELETE", token: readToken });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "AMS_ERR_AUTH_ROLE" } } });
  });
});

describe("amstaff-server history flags", () => {
  it("refuses a retention that is not a positive number of days, and raw days over rollup days", async () => {
    await using bad = new ServerProcess(undefined, { args: ["--history-raw-days", "0"] });
    await expect(bad.start()).rejects.toThrow(/--history-raw-days: /);
    await using inverted = new ServerProcess(undefined, {
      args: ["--history-raw-days", "40", "--history-rollup-days", "30"],
    });
    await expect(inverted.start()).rejects.toThrow(/must be positive and at most the rollup days/);
  });
});
