import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

// Grouping end to end: a real server process, five monitors of one module that fail and recover
// together, and a webhook receiver that must get one request per burst, listing all five.

const server = new ServerProcess();

beforeAll(() => server.start(), 30_000);
afterAll(() => server[Symbol.asyncDispose]());

const monitors = ["m0", "m1", "m2", "m3", "m4"];

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function requests(receiver: Receiver, count: number, what: string) {
  await eventually(() => (receiver.received.length >= count ? true : undefined), 30_000, what);
  return receiver.received.map((r) => r.body);
}

async function allStatus(status: string): Promise<void> {
  await eventually(
    async () => {
      const list = (await server.api("/monitors?module=Burst")).body as { status: string }[];
      return list.length === monitors.length && list.every((m) => m.status === status) ? true : undefined;
    },
    20_000,
    `every monitor to be ${status}`,
  );
}

describe("grouped notifications, end to end with a real server process", { timeout: 90_000 }, () => {
  it("sends one request for five monitors that fail together, and one for their recovery", async () => {
    await using target = await startTarget();
    await using receiver = await startReceiver();
    const pushed = await server.api("/monitor", {
      method: "POST",
      body: `import { amstaff, every, grouped } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

const ops = grouped(webhook({ url: "${receiver.url}/ops" }), { wait: "3s", interval: "3s" });

export default amstaff("Burst", { defaults: { timing: every("1s"), handlers: [ops] } }, (m) => {
${monitors.map((name) => `  m.monitor("${name}", { sampler: httpGet({ url: "${target.url}/${name}" }) });`).join("\n")}
});
`,
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
    await allStatus("ok");

    target.status = 500;
    const [alert] = await requests(receiver, 1, "the group's alert");
    expect(alert.type).toBe("group");
    expect(alert.group.labels).toEqual({ module: "Burst" });
    expect(
      alert.notifications.map((n: { transition: { monitor: string } }) => n.transition.monitor).sort(),
    ).toEqual(monitors);
    expect(
      alert.notifications.every((n: { transition: { to: string } }) => n.transition.to === "critical"),
    ).toBe(true);

    // Past the interval, so the recovery opens a group of its own that waits for all five.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(receiver.received).toHaveLength(1);
    target.status = 200;
    const [, resolve] = await requests(receiver, 2, "the group's resolve");
    expect(resolve.notifications.map((n: { transition: { to: string } }) => n.transition.to)).toEqual(
      Array(5).fill("ok"),
    );
    await allStatus("ok");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(receiver.received).toHaveLength(2);
  });
});
