import type { SampleHandler } from "@amstaff/core";
import { deliveryFailure, notifyContext, sampleTransition } from "@amstaff/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { closeSmtpServers, startSmtpServer } from "./__tests__/smtpServer.js";
import { emailHandler } from "./emailHandler.js";
import type { EmailOptions } from "./options.js";

const handlers: SampleHandler[] = [];

afterEach(async () => {
  for (const handler of handlers.splice(0)) await handler.dispose?.();
  await closeSmtpServers();
  delete process.env.AMSTAFF_TEST_SMTP_PASSWORD;
});

function handlerFor(options: EmailOptions): SampleHandler {
  const handler = emailHandler(options);
  handlers.push(handler);
  return handler;
}

const base = { host: "127.0.0.1", from: "Amstaff <alerts@example.com>", to: "oncall@example.com" };

describe("emailHandler over plain SMTP", () => {
  it("sends one email with subject, text and HTML bodies to every recipient", async () => {
    const smtp = await startSmtpServer();
    const handler = handlerFor({
      ...base,
      port: smtp.port,
      to: ["oncall@example.com", "Team 8 <team8@example.com>"],
      cc: "boss@example.com",
    });

    const receipt = await handler.notify(sampleTransition(), notifyContext("email"));

    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail?.from).toBe("alerts@example.com");
    expect(mail?.to).toEqual(["oncall@example.com", "team8@example.com", "boss@example.com"]);
    expect(mail?.parsed.subject).toBe("[CRITICAL] User Service / Health-Check");
    expect(mail?.parsed.text).toContain("CRITICAL: User Service / Health-Check");
    expect(mail?.parsed.text).toContain("HTTP 500 from GET http://user-service/health");
    expect(mail?.parsed.text).toMatch(/Status: +critical \(was ok for 5m\)/);
    expect(mail?.parsed.text).toMatch(/Value: +12\.5/);
    expect(mail?.parsed.text).toMatch(/Since: +2026-11-24T01:05:00\.000Z/);
    expect(mail?.parsed.text).toMatch(/Tags: +production, team8/);
    expect(mail?.parsed.html).toContain("HTTP 500 from GET http://user-service/health");
    expect(mail?.parsed.headers.get("auto-submitted")).toBe("auto-generated");
    expect(mail?.parsed.headers.get("x-amstaff-status")).toBe("critical");
    expect(mail?.parsed.headers.get("x-amstaff-incident")).toBe("inc-42");
    expect(mail?.parsed.messageId).toBe("<amstaff.tr-0001=3Aemail=3A0@example.com>");
    expect(receipt).toEqual({
      messageId: "<amstaff.tr-0001=3Aemail=3A0@example.com>",
      response: expect.stringContaining("250"),
    });
  });

  it("sends the same Message-ID on every attempt of one delivery, a new one for the next delivery", async () => {
    const smtp = await startSmtpServer();
    const handler = handlerFor({ ...base, port: smtp.port });
    await handler.notify(sampleTransition(), notifyContext("email", { attempt: 1 }));
    await handler.notify(sampleTransition(), notifyContext("email", { attempt: 2 }));
    await handler.notify(
      sampleTransition({ id: "tr-0002" }),
      notifyContext("email", { idempotencyKey: "tr-0002:email:0" }),
    );
    const ids = smtp.messages.map((m) => m.parsed.messageId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it("threads a recovery under the alert that opened the incident", async () => {
    const smtp = await startSmtpServer();
    const handler = handlerFor({ ...base, port: smtp.port });
    const alert = await handler.notify(sampleTransition(), notifyContext("email"));
    const recovery = sampleTransition({
      id: "tr-0002",
      from: "critical",
      to: "ok",
      since: Date.parse("2026-11-24T01:17:00Z"),
      previousSince: Date.parse("2026-11-24T01:05:00Z"),
      result: {
        status: "ok",
        message: "HTTP 200",
        durationMs: 5,
        timestamp: Date.parse("2026-11-24T01:17:00Z"),
      },
    });
    await handler.notify(
      recovery,
      notifyContext("email", { idempotencyKey: "tr-0002:email:0", receipt: alert as Record<string, string> }),
    );

    const [first, second] = smtp.messages;
    expect(first?.parsed.inReplyTo).toBeUndefined();
    expect(second?.parsed.subject).toBe("[OK] User Service / Health-Check");
    expect(second?.parsed.text).toMatch(/Status: +ok \(recovered from critical after 12m\)/);
    expect(second?.parsed.inReplyTo).toBe(first?.parsed.messageId);
    expect(second?.parsed.references).toBe(first?.parsed.messageId);
  });

  it("marks reminders in the subject and the body", async () => {
    const smtp = await startSmtpServer();
    const handler = handlerFor({ ...base, port: smtp.port });
    await handler.notify(sampleTransition({ kind: "reminder", from: "critical" }), notifyContext("email"));
    expect(smtp.messages[0]?.parsed.subject).toBe("[CRITICAL] Reminder: User Service / Health-Check");
    expect(smtp.messages[0]?.parsed.text).toContain("Still CRITICAL: User Service / Health-Check");
  });

  it("sends an escalation as the first, urgent email of the incident, and threads the resolve under it", async () => {
    const smtp = await startSmtpServer();
    const handler = handlerFor({ ...base, port: smtp.port });
    const escalated = await handler.notify(
      sampleTransition({ id: "tr-0001-e1", kind: "escalation", from: "critical" }),
      notifyContext("email", { idempotencyKey: "tr-0001-e1:email:1" }),
    );
    await handler.notify(
      sampleTransition({
        id: "tr-0002",
        from: "critical",
        to: "ok",
        result: { status: "ok", message: "HTTP 200", durationMs: 5, timestamp: 0 },
      }),
      notifyContext("email", {
        idempotencyKey: "tr-0002:email:1",
        receipt: escalated as Record<string, string>,
      }),
    );

    const [first, resolve] = smtp.messages;
    expect(first?.parsed.subject).toBe("[CRITICAL] Escalated: User Service / Health-Check");
    expect(first?.parsed.text).toMatch(/failing since 2026-11-24T01:05:00\.000Z, not acknowledged/);
    expect(first?.parsed.inReplyTo).toBeUndefined();
    expect(first?.parsed.headers.get("x-amstaff-kind")).toBe("escalation");
    expect(first?.raw).toMatch(/^X-Priority: 1 \(Highest\)\r$/m);
    expect(resolve?.parsed.subject).toBe("[OK] User Service / Health-Check");
    expect(resolve?.parsed.headers.get("x-amstaff-kind")).toBe("transition");
    expect(resolve?.parsed.inReplyTo).toBe(first?.parsed.messageId);
  });

  it("announces flapping at normal priority, opening the thread its resolve replies to", async () => {
    const smtp = await startSmtpServer();
    const handler = handlerFor({ ...base, port: smtp.port });
    const announced = await handler.notify(
      sampleTransition({ id: "tr-0007", kind: "flapping", flapping: true }),
      notifyContext("email", { idempotencyKey: "tr-0007:email:0" }),
    );
    await handler.notify(
      sampleTransition({
        id: "tr-0008",
        // The monitor settled on ok while flapping: the incident says what it recovers from.
        from: "ok",
        to: "ok",
        since: Date.parse("2026-11-24T01:35:00Z"),
        result: { status: "ok", message: "HTTP 200", durationMs: 5, timestamp: 0 },
      }),
      notifyContext("email", {
        idempotencyKey: "tr-0008:email:0",
        receipt: announced as Record<string, string>,
      }),
    );

    const [flapping, resolve] = smtp.messages;
    expect(flapping?.parsed.subject).toBe("[FLAPPING] User Service / Health-Check (now CRITICAL)");
    expect(flapping?.parsed.text).toContain("FLAPPING: User Service / Health-Check");
    expect(flapping?.parsed.headers.get("x-amstaff-kind")).toBe("flapping");
    expect(flapping?.parsed.headers.get("x-amstaff-status")).toBe("critical");
    expect(flapping?.raw).not.toMatch(/^(X-Priority|Importance):/im);
    expect(resolve?.parsed.text).toMatch(/Status: +ok \(recovered after 30m\)/);
    expect(resolve?.parsed.inReplyTo).toBe(flapping?.parsed.messageId);
  });

  it("renders subject and body templates", async () => {
    const smtp = await startSmtpServer();
    const handler = handlerFor({
      ...base,
      port: smtp.port,
      subject: "{{module}}: {{monitor}} went from {{from}} to {{to}}",
      text: "{{monitor}} is {{TO}}: {{message}} ({{link}})",
    });
    await handler.notify(
      sampleTransition({ link: "https://amstaff.example.com/m/1" }),
      notifyContext("email"),
    );
    const mail = smtp.messages[0]?.parsed;
    expect(mail?.subject).toBe("User Service: Health-Check went from ok to critical");
    expect(mail?.text?.trim()).toBe(
      "Health-Check is CRITICAL: HTTP 500 from GET http://user-service/health (https://amstaff.example.com/m/1)",
    );
    expect(mail?.html).toBe(false);
  });

  it("escapes a malicious monitor message in the HTML body, default layout and templates alike", async () => {
    const smtp = await startSmtpServer();
    const evil = `<script>alert("pwned")</script><img src=x onerror='steal()'> & co`;
    const transition = sampleTransition({
      monitor: "<b>Health</b>",
      result: { status: "critical", message: evil, durationMs: 1, timestamp: Date.now() },
      link: "javascript:alert(1)",
    });
    await handlerFor({ ...base, port: smtp.port }).notify(transition, notifyContext("email"));
    await handlerFor({ ...base, port: smtp.port, html: "<p>{{monitor}}: {{message}}</p>" }).notify(
      transition,
      notifyContext("email"),
    );

    const [layout, templated] = smtp.messages.map((m) => String(m.parsed.html));
    for (const html of [layout, templated]) {
      expect(html).not.toContain("<script>");
      expect(html).not.toContain("<img");
      expect(html).not.toContain("<b>Health</b>");
      expect(html).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;");
    }
    expect(layout).not.toContain('href="javascript:');
    expect(templated).toContain("<p>&lt;b&gt;Health&lt;/b&gt;: &lt;script&gt;");
    expect(smtp.messages[0]?.parsed.text).toContain(evil);
  });

  it("keeps line breaks in monitor names from injecting headers", async () => {
    const smtp = await startSmtpServer();
    await handlerFor({ ...base, port: smtp.port }).notify(
      sampleTransition({ monitor: "Health\r\nBcc: everyone@example.com" }),
      notifyContext("email"),
    );
    const mail = smtp.messages[0];
    expect(mail?.to).toEqual(["oncall@example.com"]);
    expect(mail?.parsed.headers.has("bcc")).toBe(false);
    expect(mail?.raw.split("\r\n\r\n")[0]).not.toMatch(/^Bcc:/m);
    expect(mail?.parsed.headers.get("x-amstaff-monitor")).toBe("Health Bcc: everyone@example.com");
  });
});

describe("emailHandler authentication and TLS", () => {
  it("authenticates with a password from a secret over STARTTLS, trusting a private CA", async () => {
    process.env.AMSTAFF_TEST_SMTP_PASSWORD = "s3cret-pa55word";
    const smtp = await startSmtpServer({
      tls: "starttls",
      credentials: { user: "alerts", pass: "s3cret-pa55word" },
    });
    const handler = handlerFor({
      ...base,
      host: "localhost",
      port: smtp.port,
      requireTLS: true,
      tls: { ca: smtp.cert },
      auth: { user: "alerts", pass: { $secret: "AMSTAFF_TEST_SMTP_PASSWORD" } },
    });
    await handler.notify(sampleTransition(), notifyContext("email"));
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]?.secure).toBe(true);
    expect(smtp.messages[0]?.auth).toEqual({ method: "PLAIN", user: "alerts" });
  });

  it("authenticates with AUTH LOGIN when that is what the server offers", async () => {
    const smtp = await startSmtpServer({
      credentials: { user: "alerts", pass: "pa55" },
      authMethods: ["LOGIN"],
    });
    await handlerFor({ ...base, port: smtp.port, auth: { user: "alerts", pass: "pa55" } }).notify(
      sampleTransition(),
      notifyContext("email"),
    );
    expect(smtp.messages[0]?.auth).toEqual({ method: "LOGIN", user: "alerts" });
  });

  it("sends over implicit TLS", async () => {
    const smtp = await startSmtpServer({ tls: "implicit" });
    const handler = handlerFor({ ...base, port: smtp.port, secure: true, tls: { ca: smtp.cert } });
    await handler.notify(sampleTransition(), notifyContext("email"));
    expect(smtp.messages[0]?.secure).toBe(true);
  });

  it("refuses an untrusted certificate, permanently and with advice", async () => {
    const smtp = await startSmtpServer({ tls: "implicit" });
    const handler = handlerFor({ ...base, port: smtp.port, secure: true });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("email")));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^email via 127\.0\.0\.1:\d+: the server's TLS certificate is not trusted/);
    expect(error.message).toContain("tls.ca");
    expect(smtp.messages).toHaveLength(0);
  });

  it("refuses to send in clear text when requireTLS is set and the server has no STARTTLS", async () => {
    const smtp = await startSmtpServer({ tls: "none" });
    const handler = handlerFor({ ...base, port: smtp.port, requireTLS: true });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("email")));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("STARTTLS");
    expect(smtp.messages).toHaveLength(0);
  });

  it("reports rejected credentials as permanent, without the password", async () => {
    process.env.AMSTAFF_TEST_SMTP_PASSWORD = "wrong-pa55word";
    const smtp = await startSmtpServer({ credentials: { user: "alerts", pass: "right-pa55word" } });
    const handler = handlerFor({
      ...base,
      port: smtp.port,
      auth: { user: "alerts", pass: { $secret: "AMSTAFF_TEST_SMTP_PASSWORD" } },
    });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("email")));
    expect(smtp.authAttempts.at(-1)?.pass).toBe("wrong-pa55word");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("authentication failed");
    expect(error.message).toContain("535");
    const everything = `${error.message} ${JSON.stringify(error.details)} ${handler.name}`;
    expect(everything).not.toContain("wrong-pa55word");
    expect(everything).not.toContain(Buffer.from("wrong-pa55word").toString("base64"));
  });
});

describe("emailHandler failure classification", () => {
  it("a 451 at the end of DATA is retryable", async () => {
    const smtp = await startSmtpServer({
      data: () => ({ code: 451, message: "4.3.0 Temporary local problem, try again later" }),
    });
    const error = await deliveryFailure(
      handlerFor({ ...base, port: smtp.port }).notify(sampleTransition(), notifyContext("email")),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(
      /^email via 127\.0\.0\.1:\d+: the server refused the message: 451 4\.3\.0 Temporary local problem, try again later \(temporary, will retry\)$/,
    );
  });

  it("a 550 for the only recipient is permanent and names the address", async () => {
    const smtp = await startSmtpServer({
      rcpt: () => ({ code: 550, message: "5.1.1 User unknown" }),
    });
    const error = await deliveryFailure(
      handlerFor({ ...base, port: smtp.port }).notify(sampleTransition(), notifyContext("email")),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("the server rejected oncall@example.com (550 5.1.1 User unknown)");
    expect(error.message).toContain("permanent, not retried");
  });

  it("a 550 for one of several recipients fails the delivery after sending to the others", async () => {
    const smtp = await startSmtpServer({
      rcpt: (address) =>
        address === "gone@example.com" ? { code: 550, message: "5.1.1 User unknown" } : undefined,
    });
    const handler = handlerFor({ ...base, port: smtp.port, to: ["oncall@example.com", "gone@example.com"] });
    const error = await deliveryFailure(handler.notify(sampleTransition(), notifyContext("email")));
    expect(smtp.messages.map((m) => m.to)).toEqual([["oncall@example.com"]]);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      "sent to oncall@example.com, but the server rejected gone@example.com (550 5.1.1 User unknown)",
    );
  });

  it("a refused connection is retryable", async () => {
    const smtp = await startSmtpServer();
    await smtp.close();
    const error = await deliveryFailure(
      handlerFor({ ...base, port: smtp.port }).notify(sampleTransition(), notifyContext("email")),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `email via 127.0.0.1:${smtp.port}: connection refused (is the SMTP server up, and is this its port?)`,
    );
  });

  it("an aborted attempt is retryable and says the message may have gone out", async () => {
    const smtp = await startSmtpServer();
    const controller = new AbortController();
    controller.abort(new Error("node shutting down"));
    const error = await deliveryFailure(
      handlerFor({ ...base, port: smtp.port }).notify(
        sampleTransition(),
        notifyContext("email", { signal: controller.signal }),
      ),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("node shutting down");
    expect(smtp.messages).toHaveLength(0);
  });
});

describe("emailHandler transports", () => {
  it("handlers with the same SMTP settings share one pool, and keep working after another is disposed", async () => {
    const smtp = await startSmtpServer();
    const a = emailHandler({ ...base, port: smtp.port, to: "a@example.com" });
    const b = handlerFor({ ...base, port: smtp.port, to: "b@example.com" });
    await a.notify(sampleTransition(), notifyContext("email"));
    await b.notify(sampleTransition(), notifyContext("email", { idempotencyKey: "k2" }));
    await a.dispose?.();
    await b.notify(sampleTransition(), notifyContext("email", { idempotencyKey: "k3" }));
    expect(smtp.messages.map((m) => m.to[0])).toEqual(["a@example.com", "b@example.com", "b@example.com"]);
  });

  it("names itself by recipients and server, never by credentials", () => {
    const handler = handlerFor({
      ...base,
      host: "smtp.example.com",
      to: ["a@example.com", "b@example.com"],
      auth: { user: "alerts", pass: "hunter2-hunter2" },
    });
    expect(handler.name).toBe("email to a@example.com, b@example.com via smtp.example.com:587");
  });
});
