import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AmstaffError, defineHandlerPlugin, type IntegrationHost } from "@amstaff/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinPlugins } from "../src/plugins/plugins.js";
import { type AmstaffServer, startServer } from "../src/server.js";
import { ServerProcess } from "./serverProcess.js";

// A plugin the way a heartbeat or a chat app's buttons would be written: its own route under
// /integrations/<path>/, authenticated with a token of its own, acknowledging through the host.
const seen: { settings: unknown[]; hosts: IntegrationHost[] } = { settings: [], hosts: [] };
const pingPlugin = defineHandlerPlugin({
  kind: "handler",
  id: "amstaff-handler-ping",
  package: "amstaff-handler-ping",
  description: "test plugin with an inbound route",
  options: z.object({}),
  builders: {},
  create: () => ({ name: "ping", notify: async () => {} }),
  integration: {
    path: "ping-test",
    settings: z.strictObject({ token: z.string().min(8), label: z.string().optional() }),
    routes: (settings, host) => {
      seen.settings.push(settings);
      seen.hosts.push(host);
      return {
        routes: [
          {
            method: "POST",
            path: "/ack",
            maxBodyBytes: 64,
            handle: async (request) => {
              if (request.headers["x-ping-token"] !== settings.token)
                return { status: 401, body: "who are you?" };
              const { module, monitor, incident } = JSON.parse(new TextDecoder().decode(request.body));
              try {
                await host.acknowledgeIncident({ module, monitor, incident, by: "ping" });
              } catch (error) {
                return { status: 409, body: (error as Error).message };
              }
              return { status: 200, headers: { "content-type": "application/json" }, body: '{"ok":true}' };
            },
          },
          {
            method: "GET",
            path: "/echo",
            handle: async (request) => ({
              status: 200,
              body: `${request.path} ${request.query.get("q")} ${settings.label ?? "-"}`,
            }),
          },
        ],
      };
    },
  },
});

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "amstaff-integrations-"));
  dirs.push(dir);
  return dir;
};
let server: AmstaffServer;

beforeAll(async () => {
  server = await startServer({
    dataDir: dataDir(),
    port: 0,
    logger: "silent",
    plugins: [...builtinPlugins, pingPlugin],
    integrations: { "ping-test": { label: "given" } },
    integrationEnv: {
      AMSTAFF_PING_TEST_TOKEN: "ping-secret-1",
      AMSTAFF_PING_TEST_OTHER: "not declared",
      AMSTAFF_SLACK_SIGNING_SECRET: "",
      PATH: "/usr/bin",
    },
  });
});

afterAll(async () => {
  await server.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("plugins' inbound routes under /integrations/<path>/", () => {
  it("reads only the settings the integration declares, from its variables and the option", () => {
    expect(seen.settings).toEqual([{ token: "ping-secret-1", label: "given" }]);
  });

  it("serves the route outside the API's token auth, with the path, query and raw body", async () => {
    const echo = await fetch(`${server.url}/integrations/ping-test/echo?q=42`);
    expect(echo.status).toBe(200);
    expect(echo.headers.get("cache-control")).toBe("no-store");
    expect(await echo.text()).toBe("/integrations/ping-test/echo 42 given");

    const refused = await fetch(`${server.url}/integrations/ping-test/ack`, { method: "POST", body: "{}" });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe("who are you?");
  });

  it("lets the route act only through the host: an acknowledgement of no incident is refused by the log", async () => {
    const response = await fetch(`${server.url}/integrations/ping-test/ack`, {
      method: "POST",
      headers: { "x-ping-token": "ping-secret-1" },
      body: JSON.stringify({ module: "Nope", monitor: "Nope", incident: "x" }),
    });
    expect(response.status).toBe(409);
    expect(await response.text()).not.toBe("");
    expect(Object.keys(seen.hosts[0]!).sort()).toEqual([
      "acknowledgeIncident",
      "heartbeats",
      "logger",
      "now",
    ]);
  });

  it("answers 405 for another method on a route's path and 413 above its body limit", async () => {
    const wrong = await fetch(`${server.url}/integrations/ping-test/ack`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    const large = await fetch(`${server.url}/integrations/ping-test/ack`, {
      method: "POST",
      headers: { "x-ping-token": "ping-secret-1" },
      body: "x".repeat(65),
    });
    expect(large.status).toBe(413);
  });

  it("leaves other paths and unconfigured integrations to the API, which knows no such route", async () => {
    const other = await fetch(`${server.url}/integrations/ping-test/nope`, { method: "POST" });
    expect(other.status).toBe(404);
    expect(other.headers.get("content-type")).toContain("application/json");
    // Slack's signing secret is empty, so Slack's route is not mounted.
    expect((await fetch(`${server.url}/integrations/slack/actions`, { method: "POST" })).status).toBe(404);
  });

  it("refuses to start with invalid settings, naming the variable and never the value", async () => {
    const start = startServer({
      dataDir: dataDir(),
      port: 0,
      logger: "silent",
      plugins: [...builtinPlugins, pingPlugin],
      integrationEnv: { AMSTAFF_PING_TEST_TOKEN: "short" },
    });
    const error = await start.then(
      (s) => s.stop().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AmstaffError);
    expect((error as AmstaffError).code).toBe("AMS_ERR_PLUGIN_SETTINGS");
    expect((error as AmstaffError).message).toContain("AMSTAFF_PING_TEST_TOKEN");
    expect((error as AmstaffError).message).not.toContain("short");
  });

  it("amstaff-server reads an integration's settings from its AMSTAFF_<PATH>_<SETTING> variables", async () => {
    await using node = new ServerProcess(undefined, {
      env: { AMSTAFF_SLACK_SIGNING_SECRET: "cli-signing-secret-5b1d" },
    });
    await node.start();
    // Slack's route answers (in its own words), not the API's token check.
    const forged = await fetch(`${node.url}/integrations/slack/actions`, {
      method: "POST",
      headers: {
        "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)),
        "x-slack-signature": "v0=00",
      },
      body: "payload=%7B%7D",
    });
    expect(forged.status).toBe(401);
    expect(await forged.text()).toBe("invalid or stale Slack signature");
    expect((await fetch(`${node.url}/integrations/slack/actions`)).status).toBe(405);
  }, 60_000);
});
