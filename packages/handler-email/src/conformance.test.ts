import { describeHandlerPlugin, startSilentServer } from "@amstaff/core/testing";
import { startSmtpServer } from "./__tests__/smtpServer.js";
import { emailPlugin } from "./plugin.js";

const base = { host: "127.0.0.1", from: "Amstaff <alerts@example.com>", to: "oncall@example.com" };

describeHandlerPlugin(emailPlugin, {
  validOptions: [
    { host: "smtp.example.com", from: "alerts@example.com", to: "oncall@example.com" },
    {
      host: "smtp.example.com",
      port: 465,
      secure: true,
      auth: { user: "alerts", pass: { $secret: "SMTP_PASSWORD" } },
      tls: { rejectUnauthorized: true },
      from: "Amstaff <alerts@example.com>",
      to: ["oncall@example.com", "Team 8 <team8@example.com>"],
      cc: "boss@example.com",
      subject: "{{TO}} {{module}} / {{monitor}}",
      text: "{{message}}",
      html: "<p>{{message}}</p>",
      timeout: "10s",
    },
  ],
  invalidOptions: [
    { options: { ...base, host: undefined }, path: "host" },
    { options: { ...base, port: 70_000 }, path: "port" },
    { options: { ...base, to: "not-an-address" }, path: "to" },
    { options: { ...base, to: [] }, path: "to" },
    { options: { ...base, from: "alerts@example.com\r\nBcc: everyone@example.com" }, path: "from" },
    { options: { ...base, subject: "{{nope}}" }, path: "subject", message: /unknown template variable/ },
    { options: { ...base, auth: { user: "alerts", pass: { $secret: "not a name" } } }, path: "auth.pass" },
    { options: { ...base, timeout: "10 seconds" }, path: "timeout" },
    { options: { ...base, bcc: "x@example.com" } },
  ],
  target: async (secret) => {
    const smtp = await startSmtpServer({ credentials: { user: "alerts" } });
    return {
      options: { ...base, port: smtp.port, auth: { user: "alerts", pass: secret } },
      received: () => smtp.messages.length,
      sawSecret: (value) => smtp.authAttempts.some((attempt) => attempt.pass === value),
      cleanup: () => smtp.close(),
    };
  },
  failingTarget: async (secret) => {
    const smtp = await startSmtpServer({
      credentials: { user: "alerts" },
      rcpt: () => ({ code: 550, message: "5.1.1 User unknown" }),
    });
    return {
      options: { ...base, port: smtp.port, auth: { user: "alerts", pass: secret }, to: "gone@example.com" },
      cleanup: () => smtp.close(),
    };
  },
  hangingTarget: async () => {
    const silent = await startSilentServer();
    return { options: { ...base, port: silent.port }, cleanup: silent.close };
  },
});
