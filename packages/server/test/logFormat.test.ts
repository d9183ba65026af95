import { describe, expect, it } from "vitest";
import { startReceiver, startTarget } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

const hookSecret = "log-format-hook-secret-4e1d9c";
const ciToken = "log-format-ci-token-7b2a51f0";

const moduleSource = (
  targetUrl: string,
  hookUrl: string,
) => `import { amstaff, every, secret } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { httpGet } from "@amstaff/sampler-http";

export default amstaff("Shop", (m) => {
  m.monitor("Checkout", {
    sampler: httpGet({ url: "${targetUrl}/checkout" }),
    timing: every("1s"),
    handlers: [webhook({ url: "${hookUrl}/hook", headers: { authorization: secret("HOOK_TOKEN") } })],
  });
});
`;

/** Starts a server with `args` and `env`, pushes a module that alerts with a secret, returns what it printed. */
async function runAndCollect(args: string[], env: Record<string, string>): Promise<string> {
  await using target = await startTarget();
  await using receiver = await startReceiver();
  target.status = 500;
  await using server = new ServerProcess(undefined, {
    args: ["--log-level", "debug", ...args],
    env: {
      AMSTAFF_SECRET_HOOK_TOKEN: hookSecret,
      AMSTAFF_SECRETS_GRANTS: '{ "HOOK_TOKEN": { "modules": ["Shop"] } }',
      AMSTAFF_TOKENS: `ci=${ciToken}`,
      ...env,
    },
  });
  await server.start();
  const pushed = await fetch(`${server.url}/monitor`, {
    method: "POST",
    body: moduleSource(target.url, receiver.url),
    headers: { authorization: `Bearer ${ciToken}` },
  });
  expect(pushed.status).toBe(201);
  const alert = await eventually(() => receiver.received[0], 60_000, "the alert");
  expect(alert.headers.authorization).toBe(hookSecret);
  await server.stop();
  return server.output;
}

const logLine = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /;

describe("the server's log format", () => {
  it("writes readable lines with --log-format pretty, without a secret or token", {
    timeout: 180_000,
  }, async () => {
    const output = await runAndCollect(["--log-format", "pretty"], {});
    const lines = output.split("\n");
    expect(lines.filter((line) => logLine.test(line)).length).toBeGreaterThan(0);
    expect(lines.some((line) => line.startsWith('{"level"'))).toBe(false);
    expect(output).not.toContain(hookSecret);
    expect(output).not.toContain(ciToken);
  });

  it("writes JSON lines when stdout is not a terminal, and pretty ones with AMSTAFF_LOG_FORMAT=pretty", {
    timeout: 300_000,
  }, async () => {
    const json = await runAndCollect([], {});
    const jsonLines = json.split("\n").filter((line) => line.startsWith("{"));
    expect(jsonLines.length).toBeGreaterThan(0);
    for (const line of jsonLines) expect(JSON.parse(line)).toMatchObject({ service: "amstaff" });
    expect(json.split("\n").some((line) => logLine.test(line))).toBe(false);
    expect(json).not.toContain(hookSecret);

    const pretty = await runAndCollect([], { AMSTAFF_LOG_FORMAT: "pretty" });
    expect(pretty.split("\n").some((line) => logLine.test(line))).toBe(true);
    expect(pretty).not.toContain(hookSecret);
  });

  it("refuses an unknown format with the flag's name", { timeout: 120_000 }, async () => {
    const server = new ServerProcess(undefined, { args: ["--log-format", "xml"] });
    await expect(server.start()).rejects.toThrow(/--log-format: .*"json".*"pretty"/);
  });
});
