import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

// Alert policies end to end: a real server process, local targets whose answers the tests flip, and
// webhook receivers that record what was delivered. Every monitor samples every second; open incidents
// are checked every 200 ms (the testing knob `--incident-tick-ms`) so escalations arrive on time.
// The scenarios run concurrently, each with its own module, target and receivers.

const cli = fileURLToPath(new URL("../dist/amstaffCli.js", import.meta.url));
const server = new ServerProcess(undefined, { args: ["--incident-tick-ms", "200"] });

beforeAll(() => server.start(), 30_000);
afterAll(() => server[Symbol.asyncDispose]());

const header = `import { amstaff, every, policy } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";
`;

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
type Target = Awaited<ReturnType<typeof startTarget>>;

let pushes: Promise<unknown> = Promise.resolve();

/**
 * Pushes a module, one push at a time: the scenarios start together, and their compiles would otherwise
 * all run at once on a 2-core machine.
 */
async function push(source: string): Promise<void> {
  const attempt = async () => {
    const pushed = await server.api("/monitor", { method: "POST", body: source });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
  };
  const done = pushes.then(attempt);
  pushes = done.catch(() => {});
  await done;
}

/** What a receiver got for one monitor, in order: `kind from->to`. */
const notes = (receiver: Receiver, monitor: string) =>
  receiver.received
    .map((r) => r.body.transition)
    .filter((t) => t.monitor === monitor)
    .map((t) => `${t.kind} ${t.from}->${t.to}`);

/** The transitions a receiver got for one monitor, in order. */
const transitions = (receiver: Receiver, monitor: string) =>
  receiver.received.map((r) => r.body.transition).filter((t) => t.monitor === monitor);

async function waitNotes(receiver: Receiver, monitor: string, count: number, what: string): Promise<void> {
  try {
    await eventually(() => (notes(receiver, monitor).length >= count ? true : undefined), 20_000, what);
  } catch (error) {
    throw new Error(`${(error as Error).message}; got so far: ${JSON.stringify(notes(receiver, monitor))}`);
  }
}

async function monitorView(module: string, monitor: string) {
  const list = (await server.api(`/monitors?module=${encodeURIComponent(module)}`)).body as {
    monitor: string;
    status: string;
    suppressed: string | null;
    flapping: boolean;
    incident: { openedAt: number; acknowledged: { by: string } | null } | null;
  }[];
  return list.find((m) => m.monitor === monitor);
}

async function waitStatus(module: string, monitor: string, status: string): Promise<void> {
  let last: string | undefined;
  try {
    await eventually(
      async () => {
        last = (await monitorView(module, monitor))?.status;
        return last === status ? true : undefined;
      },
      20_000,
      `${module} / ${monitor} to be ${status}`,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message} (it is ${last})`);
  }
}

/** The recorded transitions of a monitor, newest first, with why their alerts were held back. */
async function recorded(module: string, monitor: string) {
  const { status, body } = await server.api(
    `/monitors/${encodeURIComponent(module)}/${encodeURIComponent(monitor)}/transitions`,
  );
  expect(status).toBe(200);
  return body as { from: string; to: string; kind: string; suppressed?: string; at: number }[];
}

/** Waits for `count` more probes of one path: time for anything those samples cause to be delivered. */
async function moreSamples(target: Target, path: string, count = 3): Promise<void> {
  const seen = target.probes.filter((p) => p.path === path).length;
  await eventually(
    () => (target.probes.filter((p) => p.path === path).length >= seen + count ? true : undefined),
    20_000,
    `${count} more samples of ${path}`,
  );
}

describe.concurrent("alert policies, end to end with a real server process", { timeout: 90_000 }, () => {
  it("routes each status to its handlers, escalates an unacknowledged incident, and an ack stops the escalation", async () => {
    await using target = await startTarget();
    await using team = await startReceiver();
    await using pager = await startReceiver();
    await using manager = await startReceiver();
    await push(`${header}
const team = webhook({ url: "${team.url}/team" });
const pager = webhook({ url: "${pager.url}/pager" });
const manager = webhook({ url: "${manager.url}/manager" });
// Two samples in a row: a busy machine's one slow answer is not a warning.
const routed = policy({ open: { consecutive: 2 }, notify: { warning: [team], critical: [team, pager] } });
const escalating = policy({ notify: { critical: [team] }, escalate: [{ after: "3s", notify: [manager] }] });
const patient = policy({ notify: { critical: [team] }, escalate: [{ after: "4s", notify: [manager] }] });

export default amstaff("Routing", { defaults: { timing: every("1s") } }, (m) => {
  m.monitor("Latency", { sampler: httpGet({ url: "${target.url}/latency", latency: { warning: 1500 } }), policy: routed });
  m.monitor("Checkout", { sampler: httpGet({ url: "${target.url}/checkout" }), policy: escalating });
  m.monitor("Search", { sampler: httpGet({ url: "${target.url}/search" }), policy: patient });
});
`);
    for (const monitor of ["Latency", "Checkout", "Search"]) await waitStatus("Routing", monitor, "ok");

    // Search fails and is acknowledged at once: its manager stage, 4 s later, never comes.
    target.statusOf.set("/search", 500);
    await waitNotes(team, "Search", 1, "the team's Search alert");
    const ack = await server.api("/monitors/Routing/Search/ack", {
      method: "POST",
      body: JSON.stringify({ by: "alice" }),
    });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    const searchOpened = transitions(team, "Search")[0].incident.openedAt as number;

    // Latency: slow (warning) reaches the team only; critical reaches the team and the pager.
    target.delayOf.set("/latency", 2_000);
    await waitNotes(team, "Latency", 1, "the team's warning");
    target.delayOf.delete("/latency");
    target.statusOf.set("/latency", 500);
    await waitNotes(team, "Latency", 2, "the team's critical");
    await waitNotes(pager, "Latency", 1, "the pager's critical");
    target.statusOf.delete("/latency");
    await waitNotes(team, "Latency", 3, "the team's resolve");
    await waitNotes(pager, "Latency", 2, "the pager's resolve");

    // Checkout: the team hears at once, the manager 3 s after the incident opened.
    target.statusOf.set("/checkout", 500);
    await waitNotes(team, "Checkout", 1, "the team's Checkout alert");
    await waitNotes(manager, "Checkout", 1, "the manager's escalation");
    const [alert] = transitions(team, "Checkout");
    expect(transitions(manager, "Checkout")[0].incident.key).toBe(alert.incident.key);
    const escalated = (await recorded("Routing", "Checkout")).find((t) => t.kind === "escalation");
    expect(escalated!.at - alert.incident.openedAt).toBeGreaterThanOrEqual(3_000);
    target.statusOf.delete("/checkout");
    await waitNotes(team, "Checkout", 2, "the team's Checkout resolve");
    await waitNotes(manager, "Checkout", 2, "the manager's Checkout resolve");

    // Well past Search's escalation time, the manager has still heard nothing of it.
    await eventually(
      () => (Date.now() > searchOpened + 5_000 ? true : undefined),
      20_000,
      "Search's stage time",
    );
    await moreSamples(target, "/search", 2);
    expect(notes(manager, "Search")).toEqual([]);
    expect((await monitorView("Routing", "Search"))?.incident?.acknowledged?.by).toBe("alice");
    target.statusOf.delete("/search");
    await waitNotes(team, "Search", 2, "the team's Search resolve");

    await moreSamples(target, "/checkout");
    expect(notes(team, "Latency")).toEqual([
      "transition ok->warning",
      "transition warning->critical",
      "transition critical->ok",
    ]);
    expect(notes(pager, "Latency")).toEqual(["transition warning->critical", "transition critical->ok"]);
    expect(notes(manager, "Latency")).toEqual([]);
    expect(notes(team, "Checkout")).toEqual(["transition ok->critical", "transition critical->ok"]);
    expect(notes(manager, "Checkout")).toEqual(["escalation critical->critical", "transition critical->ok"]);
    expect(notes(pager, "Checkout")).toEqual([]);
    expect(notes(team, "Search")).toEqual(["transition ok->critical", "transition critical->ok"]);
    expect(notes(manager, "Search")).toEqual([]);
  });

  it("an ack of the warning never hides the critical: the pager hears it, and its resolve", async () => {
    await using target = await startTarget();
    await using team = await startReceiver();
    await using pager = await startReceiver();
    await push(`${header}
const team = webhook({ url: "${team.url}/team" });
const pager = webhook({ url: "${pager.url}/pager" });
const routed = policy({ open: { consecutive: 2 }, notify: { warning: [team], critical: [team, pager] } });

export default amstaff("Acked", { defaults: { timing: every("1s") } }, (m) => {
  m.monitor("Latency", { sampler: httpGet({ url: "${target.url}/latency", latency: { warning: 1500 } }), policy: routed });
});
`);
    await waitStatus("Acked", "Latency", "ok");
    target.delayOf.set("/latency", 2_000);
    await waitNotes(team, "Latency", 1, "the team's warning");
    const ack = await server.api("/monitors/Acked/Latency/ack", {
      method: "POST",
      body: JSON.stringify({ by: "alice" }),
    });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect((await monitorView("Acked", "Latency"))?.incident?.acknowledged?.by).toBe("alice");

    target.delayOf.delete("/latency");
    target.statusOf.set("/latency", 500);
    await waitNotes(pager, "Latency", 1, "the pager's critical");
    // Worse than what alice acknowledged: the incident is unacknowledged again.
    expect((await monitorView("Acked", "Latency"))?.incident?.acknowledged).toBeNull();

    target.statusOf.delete("/latency");
    await waitNotes(pager, "Latency", 2, "the pager's resolve");
    await waitNotes(team, "Latency", 3, "the team's resolve");
    await moreSamples(target, "/latency");
    expect(notes(team, "Latency")).toEqual([
      "transition ok->warning",
      "transition warning->critical",
      "transition critical->ok",
    ]);
    expect(notes(pager, "Latency")).toEqual(["transition warning->critical", "transition critical->ok"]);
    const resolve = pager.received.at(-1)!.body;
    expect(resolve.transition.incident).toMatchObject({ worst: "critical" });
    expect(resolve.recovery).toMatchObject({
      from: "critical",
      openedAt: resolve.transition.incident.openedAt,
    });
  });

  it("holds back a dependent monitor's alert while its dependency fails, and sends it once the dependency recovers", async () => {
    await using target = await startTarget();
    await using team = await startReceiver();
    await push(`${header}
const team = webhook({ url: "${team.url}/team" });
const paging = policy({ notify: { critical: [team] } });

export default amstaff("Deps", { defaults: { timing: every("1s"), policy: paging } }, (m) => {
  const db = m.monitor("Database", { sampler: httpGet({ url: "${target.url}/db" }) });
  m.monitor("API", { sampler: httpGet({ url: "${target.url}/api" }), dependsOn: [db] });
});
`);
    await waitStatus("Deps", "Database", "ok");
    await waitStatus("Deps", "API", "ok");

    target.statusOf.set("/db", 500);
    await waitNotes(team, "Database", 1, "the database alert");
    // The API fails because the database does: recorded, marked, not sent.
    target.statusOf.set("/api", 500);
    await waitStatus("Deps", "API", "critical");
    const reason = 'depends on "Database", which is critical';
    expect((await recorded("Deps", "API"))[0]).toMatchObject({
      from: "ok",
      to: "critical",
      suppressed: reason,
    });
    expect((await monitorView("Deps", "API"))?.suppressed).toBe(reason);
    await moreSamples(target, "/api", 2);
    expect(notes(team, "API")).toEqual([]);

    // The database recovers, the API does not: its alert goes out now.
    target.statusOf.delete("/db");
    await waitNotes(team, "Database", 2, "the database resolve");
    await waitNotes(team, "API", 1, "the API's alert once the database is ok");
    target.statusOf.delete("/api");
    await waitNotes(team, "API", 2, "the API resolve");

    await moreSamples(target, "/api");
    expect(notes(team, "Database")).toEqual(["transition ok->critical", "transition critical->ok"]);
    expect(notes(team, "API")).toEqual(["escalation critical->critical", "transition critical->ok"]);
  });

  it("never swallows the resolve of an alert sent before a silence, and sends what a silence held back once it is removed", async () => {
    await using target = await startTarget();
    await using team = await startReceiver();
    await push(`${header}
export default amstaff("Silenced", (m) => {
  m.monitor("Payments API", {
    sampler: httpGet({ url: "${target.url}/payments", latency: { warning: 1500 } }),
    timing: every("1s"),
    consecutive: 2,
    handlers: [webhook({ url: "${team.url}/team" })],
  });
});
`);
    const monitor = "Payments API";
    await waitStatus("Silenced", monitor, "ok");
    target.statusOf.set("/payments", 500);
    await waitNotes(team, monitor, 1, "the alert before the silence");

    const silence = await server.api("/silences", {
      method: "POST",
      body: JSON.stringify({
        module: "Silenced",
        monitors: [monitor],
        for: "10m",
        reason: "migration",
        by: "bob",
      }),
    });
    expect(silence.status, JSON.stringify(silence.body)).toBe(201);

    // Still failing, differently: the change is recorded as suppressed, not sent.
    target.statusOf.delete("/payments");
    target.delayOf.set("/payments", 2_000);
    await waitStatus("Silenced", monitor, "warning");
    expect((await recorded("Silenced", monitor))[0]).toMatchObject({
      from: "critical",
      to: "warning",
      suppressed: expect.stringMatching(/^silenced by bob until .*: migration$/),
    });
    expect(notes(team, monitor)).toHaveLength(1);

    // It recovers during the silence: the team, which was alerted, gets its resolve (Alertmanager #226).
    target.delayOf.delete("/payments");
    await waitNotes(team, monitor, 2, "the resolve during the silence");

    // A new failure during the silence: nothing is sent.
    target.statusOf.set("/payments", 500);
    await waitStatus("Silenced", monitor, "critical");
    await moreSamples(target, "/payments", 2);
    expect(notes(team, monitor)).toHaveLength(2);

    // The silence is removed while it still fails: the alert goes out.
    expect((await server.api(`/silences/${silence.body.id}`, { method: "DELETE" })).status).toBe(200);
    await waitNotes(team, monitor, 3, "the alert once the silence is removed");
    target.statusOf.delete("/payments");
    await waitNotes(team, monitor, 4, "the final resolve");

    await moreSamples(target, "/payments");
    // The first resolve closes an incident that went critical -> warning (silenced): it reads as the
    // recovery of the whole incident, from its worst status.
    expect(notes(team, monitor)).toEqual([
      "transition ok->critical",
      "transition critical->ok",
      "escalation critical->critical",
      "transition critical->ok",
    ]);
  });

  it("holds back alerts during a maintenance window written in the module, and sends them when it ends", async () => {
    await using target = await startTarget();
    await using team = await startReceiver();
    // Long enough for a push that waits for the other scenarios' compiles on a busy machine.
    const from = new Date(Date.now() - 1_000).toISOString();
    const to = Date.now() + 12_000;
    target.statusOf.set("/batch", 500);
    await push(`${header}
export default amstaff("Maintenance", (m) => {
  m.monitor("Batch", {
    sampler: httpGet({ url: "${target.url}/batch" }),
    timing: every("1s"),
    handlers: [webhook({ url: "${team.url}/team" })],
  });
  m.maintenance("Deploy", { from: "${from}", to: "${new Date(to).toISOString()}" });
});
`);
    await waitStatus("Maintenance", "Batch", "critical");
    const [failure] = await recorded("Maintenance", "Batch");
    expect(failure!.at, "the first failure came after the window: the machine is too slow").toBeLessThan(to);
    expect(failure).toMatchObject({
      from: "pending",
      to: "critical",
      suppressed: 'maintenance window "Deploy"',
    });
    expect(notes(team, "Batch")).toEqual([]);

    await waitNotes(team, "Batch", 1, "the alert after the window");
    const escalated = (await recorded("Maintenance", "Batch")).find((t) => t.kind === "escalation");
    expect(escalated!.at).toBeGreaterThanOrEqual(to);
    target.statusOf.delete("/batch");
    await waitNotes(team, "Batch", 2, "the resolve");

    await moreSamples(target, "/batch");
    expect(notes(team, "Batch")).toEqual(["escalation critical->critical", "transition critical->ok"]);
  });

  it("announces a flapping monitor once, shows it in amstaff status, and resolves it once when it settles", async () => {
    await using target = await startTarget();
    await using team = await startReceiver();
    // Each probe gets the other answer: the fastest possible flapping, independent of timing.
    let alternating = false;
    target.server.prependListener("request", (request) => {
      if (alternating && request.url === "/gateway")
        target.statusOf.set("/gateway", target.statusOf.get("/gateway") === 500 ? 200 : 500);
    });
    await push(`${header}
export default amstaff("Flaky", (m) => {
  m.monitor("Gateway", {
    sampler: httpGet({ url: "${target.url}/gateway" }),
    timing: every("1s"),
    handlers: [webhook({ url: "${team.url}/team" })],
    policy: policy({ open: { consecutive: 3 }, flapping: { samples: 6, high: 0.5, low: 0.2 } }),
  });
});
`);
    await waitStatus("Flaky", "Gateway", "ok");
    alternating = true;
    await waitNotes(team, "Gateway", 1, "the flapping announcement");
    expect(transitions(team, "Gateway")[0]).toMatchObject({ kind: "flapping", flapping: true });

    const { stdout } = await promisify(execFile)(process.execPath, [cli, "status", "Flaky"], {
      env: { ...process.env, AMSTAFF_URL: server.url, AMSTAFF_TOKEN: server.token },
      timeout: 30_000,
    });
    expect(stdout).toMatch(/↯ FLAPPING \((ok|critical)\)\s+Flaky\s+default\s+Gateway/);

    await moreSamples(target, "/gateway", 3);
    expect(notes(team, "Gateway")).toHaveLength(1);
    alternating = false;
    target.statusOf.set("/gateway", 200);
    await waitNotes(team, "Gateway", 2, "the resolve once it settles");

    await moreSamples(target, "/gateway");
    const received = notes(team, "Gateway");
    expect(received).toHaveLength(2);
    expect(received[0]).toBe("flapping ok->critical");
    // The resolve reads as the recovery of the incident, whatever status the monitor settled from.
    expect(received[1]).toBe("transition critical->ok");
    const resolve = team.received.at(-1)!.body;
    expect(resolve.text).toMatch(/\(recovered from CRITICAL after \d/);
    expect(resolve.transition.previousSince).toBe(resolve.transition.incident.openedAt);
    expect(transitions(team, "Gateway")[1].flapping).toBeUndefined();
    expect((await monitorView("Flaky", "Gateway"))?.flapping).toBe(false);
  });
});
