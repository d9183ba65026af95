import type { SampleStatus, Transition } from "@amstaff/core";
import { deliveryFailure, notifyContext, recoveryOf, startSilentServer } from "@amstaff/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ServerSimulation, sampleTransition } from "./__tests__/fixtures.js";
import { type EmulatedMessage, SlackEmulator, startSlackEmulator } from "./__tests__/slackEmulator.js";
import type { SlackBotOptions } from "./options.js";
import { slackHandler } from "./slackHandler.js";

let slackApi: SlackEmulator;
beforeEach(async () => {
  slackApi = await startSlackEmulator();
});
afterEach(async () => {
  await slackApi.close();
});

const secrets = (name: string) => (name === "SLACK_TOKEN" ? SlackEmulator.token : undefined);

function bot(options: Partial<SlackBotOptions> = {}, now?: () => number) {
  return slackHandler(
    { token: { $secret: "SLACK_TOKEN" }, channel: "C0ALERTS1", apiUrl: slackApi.apiUrl, ...options },
    { secrets, ...(now ? { now } : {}) },
  );
}

/** Every text of a message: top-level text, blocks, attachments, flattened. */
function allText(message: EmulatedMessage | undefined): string {
  return JSON.stringify([message?.text, message?.blocks, message?.attachments]);
}

function buttons(
  message: EmulatedMessage | undefined,
): { action_id: string; value?: string; url?: string }[] {
  const blocks = [
    ...(message?.blocks ?? []),
    ...(message?.attachments ?? []).flatMap((a) => (a as { blocks?: unknown[] }).blocks ?? []),
  ];
  return blocks
    .filter((b) => (b as { type: string }).type === "actions")
    .flatMap((b) => (b as { elements: { action_id: string; value?: string; url?: string }[] }).elements);
}

function colour(message: EmulatedMessage | undefined): string | undefined {
  return (message?.attachments?.[0] as { color?: string } | undefined)?.color;
}

describe("slackHandler in bot mode: the alert", () => {
  it("posts a Block Kit alert with an Acknowledge button and returns { channel, ts } as its receipt", async () => {
    const handler = bot();
    const transition = sampleTransition({ link: "https://amstaff.example.com/modules/user-service" });

    const receipt = await handler.notify(
      transition,
      notifyContext("slack", { idempotencyKey: "tr-0001:slack" }),
    );

    const [request] = slackApi.calls("chat.postMessage");
    expect(request?.headers.authorization).toBe(`Bearer ${SlackEmulator.token}`);
    expect(request?.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    const [alert] = slackApi.topLevel("C0ALERTS1");
    expect(receipt).toEqual({ channel: "C0ALERTS1", ts: alert?.ts });
    expect(alert?.text).toBe(
      "CRITICAL: User Service / Health-Check: HTTP 500 from GET http://user-service/health",
    );
    const text = allText(alert);
    expect(text).toContain(
      ":red_circle: *CRITICAL* · *<https://amstaff.example.com/modules/user-service|User Service / Health-Check>*",
    );
    expect(text).toContain("*Status*\\n`OK` → `CRITICAL`");
    expect(text).toContain("*Value*\\n12.5");
    expect(text).toContain(
      "*Since*\\n<!date^1795482300^{date_short_pretty} {time_secs}|2026-11-24T01:05:00Z>",
    );
    expect(text).toContain("*Was OK for*\\n5m");
    expect(text).toContain("`production` `team8`");
    expect(text).toContain("Incident `inc-1`");
    expect(colour(alert)).toBe("#E01E5A");
    expect(buttons(alert)).toEqual([
      expect.objectContaining({
        action_id: "amstaff_ack",
        value: JSON.stringify({ incidentKey: "inc-1", module: "User Service", monitor: "Health-Check" }),
      }),
      expect.objectContaining({
        action_id: "amstaff_view",
        url: "https://amstaff.example.com/modules/user-service",
      }),
    ]);
    expect(alert?.metadata).toEqual({
      event_type: "amstaff_notification",
      event_payload: { key: "tr-0001:slack", incident: "inc-1", to: "critical" },
    });
  });

  it("mentions only on critical", async () => {
    const handler = bot({ mention: "<!here> <!subteam^S0TEAM8>" });
    await handler.notify(sampleTransition(), notifyContext("slack"));
    await handler.notify(
      sampleTransition({
        to: "warning",
        incident: { key: "inc-2", openedAt: 0 },
        result: { ...sampleTransition().result, status: "warning" },
      }),
      notifyContext("slack"),
    );
    const [critical, warning] = slackApi.topLevel("C0ALERTS1");
    expect(critical?.text).toMatch(/^<!here> <!subteam\^S0TEAM8> CRITICAL/);
    expect(allText(critical)).toContain("<!here> <!subteam^S0TEAM8> :red_circle:");
    expect(allText(warning)).not.toContain("<!here>");
    expect(colour(warning)).toBe("#ECB22E");
  });

  it("renders the message template, escaping what the monitor reported", async () => {
    const handler = bot({
      message: "User service is down!!! {{message}} <https://runbooks.example.com|runbook>",
    });
    await handler.notify(
      sampleTransition({
        result: { ...sampleTransition().result, message: "body was <!channel> & <b>bold</b>" },
      }),
      notifyContext("slack"),
    );
    const [alert] = slackApi.topLevel("C0ALERTS1");
    const text = allText(alert);
    expect(text).toContain(
      "User service is down!!! body was &lt;!channel&gt; &amp; &lt;b&gt;bold&lt;/b&gt; <https://runbooks.example.com|runbook>",
    );
    expect(text).not.toContain("<!channel>");
  });

  it("accepts a channel name and keeps the channel ID in the receipt", async () => {
    const receipt = await bot({ channel: "#alerts" }).notify(sampleTransition(), notifyContext("slack"));
    expect(receipt).toMatchObject({ channel: "C0ALERTS1" });
  });
});

describe("slackHandler in bot mode: the incident's life", () => {
  it("threads the recovery under the alert and updates the alert to show it resolved", async () => {
    const server = new ServerSimulation(bot({ mention: "<!here>" }));
    const alert = sampleTransition();
    await server.deliver(alert);
    const recovery = recoveryOf(alert);
    await expect(server.deliver(recovery)).resolves.toBeUndefined();

    const top = slackApi.topLevel("C0ALERTS1");
    expect(top).toHaveLength(1);
    const original = top[0];
    const [reply] = slackApi.replies("C0ALERTS1", original?.ts ?? "");
    expect(reply?.subtype).toBeUndefined();
    expect(allText(reply)).toContain(":white_check_mark: *RESOLVED* after 1h 5m");
    expect(allText(reply)).not.toContain("<!here>");

    expect(original?.edited).toBeDefined();
    expect(original?.text).toMatch(/^RESOLVED: User Service \/ Health-Check/);
    expect(allText(original)).toContain("*Down for*\\n1h 5m");
    expect(allText(original)).toContain("*Status*\\n`CRITICAL` → `OK`");
    expect(colour(original)).toBe("#2EB67D");
    expect(buttons(original).map((b) => b.action_id)).not.toContain("amstaff_ack");
  });

  it("posts reminders in the thread, also shown in the channel, without touching the alert", async () => {
    const server = new ServerSimulation(bot({ mention: "<!here>" }));
    const alert = sampleTransition();
    await server.deliver(alert);
    await server.deliver({ ...alert, id: "tr-0001-r1", kind: "reminder", from: "critical" });

    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(original?.edited).toBeUndefined();
    const [reminder] = slackApi.replies("C0ALERTS1", original?.ts ?? "");
    expect(reminder?.subtype).toBe("thread_broadcast");
    expect(allText(reminder)).toContain("<!here> :red_circle: *Still CRITICAL*, failing for");
    expect(slackApi.calls("chat.update")).toHaveLength(0);
  });

  it("replies when warning turns critical, mentioning and broadcasting, and shows it on the alert", async () => {
    const server = new ServerSimulation(bot({ mention: "<!here>" }));
    const warning = sampleTransition({
      to: "warning",
      result: { ...sampleTransition().result, status: "warning" },
    });
    await server.deliver(warning);
    await server.deliver({
      ...warning,
      id: "tr-0002",
      from: "warning",
      to: "critical",
      since: warning.since + 60_000,
    });

    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(colour(original)).toBe("#E01E5A");
    expect(buttons(original).map((b) => b.action_id)).toContain("amstaff_ack");
    const [escalation] = slackApi.replies("C0ALERTS1", original?.ts ?? "");
    expect(escalation?.subtype).toBe("thread_broadcast");
    expect(allText(escalation)).toContain("<!here> :red_circle: *CRITICAL* (was WARNING)");
  });

  it("without flap damping, keeps each episode of a flapping monitor in its own thread", async () => {
    const server = new ServerSimulation(bot());
    const first = sampleTransition({ id: "tr-1", incident: { key: "inc-1", openedAt: 1 } });
    const second = sampleTransition({ id: "tr-3", incident: { key: "inc-2", openedAt: 3 } });
    await server.deliver(first);
    await server.deliver(recoveryOf(first, { id: "tr-2" }));
    await server.deliver(second);
    await server.deliver(recoveryOf(second, { id: "tr-4" }));
    const third = sampleTransition({ id: "tr-5", incident: { key: "inc-3", openedAt: 5 } });
    await server.deliver(third);

    const top = slackApi.topLevel("C0ALERTS1");
    expect(top.map((m) => m.text.split(":")[0])).toEqual(["RESOLVED", "RESOLVED", "CRITICAL"]);
    for (const message of top.slice(0, 2)) {
      expect(slackApi.replies("C0ALERTS1", message.ts).map((m) => m.text.split(":")[0])).toEqual([
        "RESOLVED",
      ]);
    }
    expect(slackApi.replies("C0ALERTS1", top[2]?.ts ?? "")).toEqual([]);
    expect(buttons(top[2]).map((b) => b.action_id)).toEqual(["amstaff_ack"]);
    expect(slackApi.calls("chat.postMessage")).toHaveLength(5);
    expect(slackApi.calls("chat.update")).toHaveLength(2);
  });

  it("shows who acknowledged, and drops the button, when the alert is updated", async () => {
    const server = new ServerSimulation(bot());
    const alert = sampleTransition();
    await server.deliver(alert);
    const acknowledged = { ...alert.incident!, acknowledged: { by: "<@U0ADA>", at: alert.since + 60_000 } };
    await server.deliver(recoveryOf(alert, { incident: acknowledged }));
    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(allText(original)).toContain(":raised_hand: Acknowledged by <@U0ADA>");
  });

  it("updates the alert, posting nothing, on an acknowledged notification", async () => {
    const server = new ServerSimulation(bot());
    const alert = sampleTransition();
    await server.deliver(alert);
    const incident = { ...alert.incident!, acknowledged: { by: "alice", at: alert.since + 60_000 } };
    await server.deliver({ ...alert, id: "tr-ack", from: alert.to, kind: "acknowledged", incident });
    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(allText(original)).toContain(":raised_hand: Acknowledged by alice");
    expect(buttons(original).map((b) => b.action_id)).not.toContain("amstaff_ack");
    expect(slackApi.replies("C0ALERTS1", original?.ts ?? "")).toEqual([]);
    expect(slackApi.calls("chat.postMessage")).toHaveLength(1);
  });

  it("still posts the recovery when the alert was deleted", async () => {
    const server = new ServerSimulation(bot());
    const alert = sampleTransition();
    const receipt = await server.deliver(alert);
    slackApi.failNext("chat.update", { error: "message_not_found" });
    await server.deliver(recoveryOf(alert));
    expect(slackApi.replies("C0ALERTS1", String(receipt?.ts))).toHaveLength(1);
  });
});

describe("slackHandler in bot mode: escalations and flapping", () => {
  const opened = sampleTransition().since;
  const escalation = (overrides: Partial<Transition> = {}) =>
    sampleTransition({ id: "tr-0001-e1", kind: "escalation", from: "critical", ...overrides });
  const flapping = (to: SampleStatus, overrides: Partial<Transition> = {}) =>
    sampleTransition({
      id: "tr-0007",
      kind: "flapping",
      flapping: true,
      from: to === "ok" ? "critical" : "ok",
      to,
      result: { ...sampleTransition().result, status: to, message: `HTTP ${to === "ok" ? 200 : 500}` },
      ...overrides,
    });

  it("posts an escalation as a fresh alert: mention, Acknowledge, since when it fails", async () => {
    const server = new ServerSimulation(bot({ mention: "<!here>" }, () => opened + 10 * 60_000));
    const receipt = await server.deliver(escalation());

    const [alert] = slackApi.topLevel("C0ALERTS1");
    expect(receipt).toEqual({ channel: "C0ALERTS1", ts: alert?.ts });
    expect(alert?.text).toBe(
      "<!here> CRITICAL (escalated): User Service / Health-Check: HTTP 500 from GET http://user-service/health",
    );
    const text = allText(alert);
    expect(text).toContain("<!here> :red_circle: *CRITICAL (escalated)* · *User Service / Health-Check*");
    expect(text).toContain("*Status*\\n`CRITICAL`");
    expect(text).toContain("*Failing for*\\n10m");
    expect(text).toContain(
      ":arrow_double_up: Escalated: failing since <!date^1795482300^{date_short_pretty} {time_secs}|2026-11-24T01:05:00Z>, not acknowledged",
    );
    expect(colour(alert)).toBe("#E01E5A");
    expect(buttons(alert).map((b) => b.action_id)).toEqual(["amstaff_ack"]);
    expect(alert?.metadata?.event_payload).toMatchObject({ incident: "inc-1", to: "critical" });

    await server.deliver(recoveryOf(escalation(), { kind: "transition" }));
    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(original?.text).toMatch(/^RESOLVED: User Service \/ Health-Check/);
    expect(allText(slackApi.replies("C0ALERTS1", original?.ts ?? "")[0])).toContain("*RESOLVED* after 1h 5m");
  });

  it("replies to an escalation in the thread it already has, broadcast, without editing the alert", async () => {
    const server = new ServerSimulation(bot({}, () => opened + 30 * 60_000));
    await server.deliver(sampleTransition());
    await server.deliver(escalation());

    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(slackApi.calls("chat.update")).toHaveLength(0);
    const [reply] = slackApi.replies("C0ALERTS1", original?.ts ?? "");
    expect(reply?.subtype).toBe("thread_broadcast");
    expect(allText(reply)).toContain(":red_circle: *CRITICAL (escalated)*, failing for 30m");
  });

  it("announces flapping in a new message, without mention, that can be acknowledged even while ok", async () => {
    const server = new ServerSimulation(bot({ mention: "<!here>" }));
    const receipt = await server.deliver(flapping("ok"));

    const [announcement] = slackApi.topLevel("C0ALERTS1");
    expect(receipt).toEqual({ channel: "C0ALERTS1", ts: announcement?.ts });
    expect(announcement?.text).toBe("FLAPPING: User Service / Health-Check: HTTP 200");
    const text = allText(announcement);
    expect(text).not.toContain("<!here>");
    expect(text).toContain(":arrows_counterclockwise: *FLAPPING* · *User Service / Health-Check*");
    expect(text).toContain("*Status*\\n`FLAPPING`, now `OK`");
    expect(text).toContain("Flapping: changes are held back until the monitor settles");
    expect(text).not.toContain("Was CRITICAL for");
    expect(colour(announcement)).toBe("#ECB22E");
    expect(buttons(announcement).map((b) => b.action_id)).toEqual(["amstaff_ack"]);
  });

  it("resolves a flapping incident that settles ok: the announcement turns RESOLVED, the thread says so", async () => {
    const server = new ServerSimulation(bot());
    const announced = flapping("ok");
    await server.deliver(announced);
    await server.deliver(
      recoveryOf(announced, { id: "tr-0008", kind: "transition", flapping: undefined, from: "ok" }),
    );

    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(original?.text).toMatch(/^RESOLVED: User Service \/ Health-Check/);
    expect(colour(original)).toBe("#2EB67D");
    expect(buttons(original).map((b) => b.action_id)).not.toContain("amstaff_ack");
    const [reply] = slackApi.replies("C0ALERTS1", original?.ts ?? "");
    expect(reply?.subtype).toBeUndefined();
    expect(allText(reply)).toContain(":white_check_mark: *RESOLVED* after 1h 5m");
  });

  it("says in the thread, and on the alert, that a flapping monitor settled critical", async () => {
    const server = new ServerSimulation(bot({ mention: "<!here>" }));
    await server.deliver(flapping("critical"));
    await server.deliver(sampleTransition({ id: "tr-0008", from: "critical", to: "critical" }));

    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(original?.text).toMatch(/^CRITICAL: User Service \/ Health-Check/);
    expect(allText(original)).toContain("*Status*\\n`CRITICAL`, no longer flapping");
    expect(allText(original)).not.toContain("FLAPPING");
    const [reply] = slackApi.replies("C0ALERTS1", original?.ts ?? "");
    expect(reply?.subtype).toBe("thread_broadcast");
    expect(allText(reply)).toContain("<!here> :red_circle: *CRITICAL* (no longer flapping)");
  });

  it("shows an open incident that starts flapping on its alert, with a quiet reply", async () => {
    const server = new ServerSimulation(bot({ mention: "<!here>" }));
    await server.deliver(sampleTransition());
    await server.deliver(flapping("warning", { from: "critical" }));

    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(original?.text).toMatch(/^FLAPPING: User Service \/ Health-Check/);
    expect(buttons(original).map((b) => b.action_id)).toEqual(["amstaff_ack"]);
    const [reply] = slackApi.replies("C0ALERTS1", original?.ts ?? "");
    expect(reply?.subtype).toBeUndefined();
    expect(allText(reply)).toContain(":arrows_counterclockwise: *FLAPPING*, now WARNING");
    expect(allText(reply)).not.toContain("<!here>");
  });
});

describe("slackHandler in bot mode: retries after a crash", () => {
  it("finds the alert an earlier attempt posted instead of posting it twice", async () => {
    const handler = bot();
    const transition = sampleTransition();
    const first = await handler.notify(
      transition,
      notifyContext("slack", { idempotencyKey: "k-1", attempt: 1 }),
    );
    // The server crashed before recording `first`: it tries again, without a receipt.
    const second = await handler.notify(
      transition,
      notifyContext("slack", { idempotencyKey: "k-1", attempt: 2 }),
    );
    expect(second).toEqual(first);
    expect(slackApi.topLevel("C0ALERTS1")).toHaveLength(1);
    expect(slackApi.calls("conversations.history")[0]?.params).toMatchObject({
      channel: "C0ALERTS1",
      include_all_metadata: "true",
    });
  });

  it("finds a recovery reply an earlier attempt posted", async () => {
    const server = new ServerSimulation(bot());
    const alert = sampleTransition();
    await server.deliver(alert);
    await server.deliver(recoveryOf(alert), { attempt: 1 });
    await server.deliver(recoveryOf(alert), { attempt: 2 });
    const [original] = slackApi.topLevel("C0ALERTS1");
    expect(slackApi.replies("C0ALERTS1", original?.ts ?? "")).toHaveLength(1);
  });

  it("posts on a retry when nothing was posted before", async () => {
    const receipt = await bot().notify(sampleTransition(), notifyContext("slack", { attempt: 3 }));
    expect(receipt).toMatchObject({ channel: "C0ALERTS1" });
    expect(slackApi.topLevel("C0ALERTS1")).toHaveLength(1);
  });

  it("posts again when it cannot read the channel's history (documented duplicate)", async () => {
    slackApi.tokens.set("xoxb-write-only", ["chat:write"]);
    const handler = slackHandler({ token: "xoxb-write-only", channel: "C0ALERTS1", apiUrl: slackApi.apiUrl });
    await handler.notify(sampleTransition(), notifyContext("slack", { idempotencyKey: "k-1", attempt: 1 }));
    await handler.notify(sampleTransition(), notifyContext("slack", { idempotencyKey: "k-1", attempt: 2 }));
    expect(slackApi.topLevel("C0ALERTS1")).toHaveLength(2);
  });
});

describe("slackHandler in bot mode: failures", () => {
  const cases: [string, () => SlackBotOptions, RegExp][] = [
    [
      "a private channel the app is not in",
      () => ({ channel: "G0PRIVATE" }) as SlackBotOptions,
      /channel G0PRIVATE was not found \(channel_not_found\).*\/invite/,
    ],
    [
      "a channel that does not exist",
      () => ({ channel: "#nope" }) as SlackBotOptions,
      /channel #nope was not found/,
    ],
    [
      "a public channel the app is not in",
      () => ({ channel: "C0PUBLIC1" }) as SlackBotOptions,
      /not a member of C0PUBLIC1 \(not_in_channel\): invite it with \/invite @your-app/,
    ],
  ];
  it.each(cases)("is not retryable for %s, and says what to do", async (_name, options, message) => {
    const error = await deliveryFailure(bot(options()).notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(message);
  });

  it("is not retryable for a wrong token, and never shows it", async () => {
    const handler = slackHandler(
      { token: { $secret: "SLACK_TOKEN" }, channel: "C0ALERTS1", apiUrl: slackApi.apiUrl },
      { secrets: () => "xoxb-9999-wrong-token-value" },
    );
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("Slack rejected the token (invalid_auth)");
    expect(`${error.message} ${JSON.stringify(error.details)} ${String(error.cause)}`).not.toContain(
      "wrong-token",
    );
    expect(handler.name).toBe("slack C0ALERTS1");
  });

  it("is not retryable for an uninstalled app", async () => {
    slackApi.tokens.set(SlackEmulator.token, "account_inactive");
    const error = await deliveryFailure(bot().notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/account_inactive.*reinstall the app/);
  });

  it("names the missing scope", async () => {
    slackApi.tokens.set("xoxb-read-only", ["channels:history"]);
    const handler = slackHandler({ token: "xoxb-read-only", channel: "C0ALERTS1", apiUrl: slackApi.apiUrl });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/lacks the chat:write scope \(missing_scope\)/);
  });

  it("is retryable after Slack's Retry-After when rate-limited, making a single request", async () => {
    slackApi.failNext("chat.postMessage", { status: 429, retryAfter: 7 });
    const error = await deliveryFailure(bot().notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toContain("rate-limited");
    expect(slackApi.calls("chat.postMessage")).toHaveLength(1);
  });

  it.each([
    ["HTTP 503", { status: 503 }, /Slack answered HTTP 503/],
    ["internal_error", { error: "internal_error" }, /temporary problem \(internal_error\)/],
  ])("is retryable for %s, without retrying by itself", async (_name, injected, message) => {
    slackApi.failNext("chat.postMessage", injected);
    const error = await deliveryFailure(bot().notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(message);
    expect(slackApi.calls("chat.postMessage")).toHaveLength(1);
  });

  it("fails a recovery retryably, and posts nothing, when the alert's update is rate-limited", async () => {
    const server = new ServerSimulation(bot());
    const alert = sampleTransition();
    await server.deliver(alert);
    slackApi.failNext("chat.update", { status: 429, retryAfter: 3 });
    const error = await deliveryFailure(server.deliver(recoveryOf(alert)) as Promise<unknown>);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 3000 });
    expect(slackApi.replies("C0ALERTS1", slackApi.topLevel("C0ALERTS1")[0]?.ts ?? "")).toHaveLength(0);
  });

  it("is retryable when Slack cannot be reached", async () => {
    const apiUrl = slackApi.apiUrl;
    await slackApi.close();
    const handler = slackHandler({ token: "xoxb-x", channel: "C0ALERTS1", apiUrl });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("slack")));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/could not reach Slack/);
  });

  it("gives up when the server aborts the attempt, and at its own timeout", async () => {
    const silent = await startSilentServer();
    try {
      const apiUrl = `http://127.0.0.1:${silent.port}/api/`;
      const controller = new AbortController();
      const pending = slackHandler({ token: "xoxb-x", channel: "C0ALERTS1", apiUrl }).notify(
        sampleTransition(),
        notifyContext("slack", { signal: controller.signal }),
      );
      controller.abort(new Error("node shutting down"));
      const aborted = await deliveryFailure(pending);
      expect(aborted).toMatchObject({
        retryable: true,
        message: expect.stringContaining("delivery aborted"),
      });

      const timedOut = await deliveryFailure(
        slackHandler({ token: "xoxb-x", channel: "C0ALERTS1", apiUrl, timeout: "50ms" }).notify(
          sampleTransition(),
          notifyContext("slack"),
        ),
      );
      expect(timedOut).toMatchObject({
        retryable: true,
        message: expect.stringContaining("within 50ms (timeout)"),
      });
    } finally {
      await silent.close();
    }
  });
});

describe("slackHandler options", () => {
  it("names a missing secret when the handler is created", () => {
    expect(() =>
      slackHandler({ token: { $secret: "AMSTAFF_NOPE" }, channel: "C1" }, { secrets: () => undefined }),
    ).toThrow(
      expect.objectContaining({
        code: "AMS_ERR_SECRET_MISSING",
        message: expect.stringContaining("AMSTAFF_NOPE"),
      }),
    );
  });
});
