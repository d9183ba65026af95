import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startReceiver } from "./localServers.js";
import { eventually, ServerProcess } from "./serverProcess.js";

// examples/amstaff-sampler-tcp: a plugin package built the way docs/guides/write-a-sampler.md says, not
// under @amstaff/, and unknown to the server until it finds it installed in its working directory.
const pluginDir = fileURLToPath(new URL("../../../examples/amstaff-sampler-tcp", import.meta.url));

describe("a third-party plugin installed beside the server", () => {
  it("is discovered by its name, listed with its options, and runs in a pushed module", async () => {
    const project = mkdtempSync(join(tmpdir(), "amstaff-project-"));
    mkdirSync(join(project, "node_modules"));
    symlinkSync(pluginDir, join(project, "node_modules", "amstaff-sampler-tcp"), "dir");
    const port = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => port.listen(0, "127.0.0.1", resolve));
    await using receiver = await startReceiver();
    await using server = new ServerProcess(undefined, { cwd: project });
    try {
      await server.start();
      const plugins = (await server.api("/plugins")).body;
      const tcp = plugins.find((p: { id: string }) => p.id === "amstaff-sampler-tcp");
      expect(tcp).toMatchObject({
        kind: "sampler",
        package: "amstaff-sampler-tcp",
        builders: ["tcpConnect"],
      });
      expect(tcp.options.properties.port).toBeDefined();

      const source = `import { amstaff, every } from "@amstaff/dsl";
import { webhook } from "@amstaff/handler-webhook";
import { tcpConnect } from "amstaff-sampler-tcp";

export default amstaff("Data stores", (m) => {
  m.monitor("Postgres port", {
    sampler: tcpConnect({ host: "127.0.0.1", port: ${(port.address() as AddressInfo).port} }),
    timing: every("1s"),
    handlers: [webhook({ url: "${receiver.url}/hook" })],
  });
});
`;
      const bad = await server.api("/monitor", {
        method: "POST",
        body: source.replace(/port: \d+/, "port: 70000"),
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].message).toContain("1 to 65535");

      expect((await server.api("/monitor", { method: "POST", body: source })).status).toBe(201);
      await eventually(
        async () => ((await server.api("/monitors")).body[0]?.status === "ok" ? true : undefined),
        20_000,
        "ok",
      );
      await new Promise<void>((resolve) => port.close(() => resolve()));
      await eventually(
        () => (receiver.received.length > 0 ? true : undefined),
        20_000,
        "the critical notification",
      );
      expect(receiver.received[0]!.body.transition).toMatchObject({
        monitor: "Postgres port",
        from: "ok",
        to: "critical",
      });
      expect(receiver.received[0]!.body.transition.result.message).toContain("cannot connect to 127.0.0.1");
    } finally {
      port.close();
      rmSync(project, { recursive: true, force: true });
    }
  }, 90_000);
});
