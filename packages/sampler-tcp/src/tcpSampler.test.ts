import { closedPort, startSilentServer } from "@amstaff/core/testing";
import { describe, expect, it } from "vitest";
import { startTcpServer } from "./__tests__/servers.js";
import { tcpSampler } from "./tcpSampler.js";

/** A server that greets every connection with `banner`, like SSH or SMTP. */
function bannerServer(banner: string) {
  return startTcpServer((socket) => socket.write(banner));
}

describe("connect", () => {
  it("is ok when the port accepts connections, with the connect time as value", async () => {
    await using server = await startTcpServer((socket) => socket.end());
    const result = await tcpSampler({ host: "127.0.0.1", port: server.port }).probe();
    expect(result.status).toBe("ok");
    expect(result.message).toMatch(
      new RegExp(`^127\\.0\\.0\\.1:${server.port} accepted the connection in \\d+ ms$`),
    );
    expect(result.value).toBeTypeOf("number");
    expect(result.details).toMatchObject({
      host: "127.0.0.1",
      port: server.port,
      connectMs: expect.any(Number),
    });
  });

  it("is critical when the connection is refused", async () => {
    const port = await closedPort();
    const result = await tcpSampler({ host: "127.0.0.1", port }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(`connection refused to 127.0.0.1:${port}`);
  });

  it("is named after its target unless given a name", () => {
    expect(tcpSampler({ host: "db.internal", port: 5432 }).name).toBe("tcp db.internal:5432");
    expect(tcpSampler({ host: "db.internal", port: 5432, name: "db" }).name).toBe("db");
  });
});

describe("banner and reply", () => {
  it("matches the first line exactly with equals", async () => {
    await using server = await bannerServer("SSH-2.0-OpenSSH_9.6\r\n");
    const ok = await tcpSampler({
      host: "127.0.0.1",
      port: server.port,
      expect: { equals: "SSH-2.0-OpenSSH_9.6" },
    }).probe();
    expect(ok.status).toBe("ok");
    expect(ok.message).toMatch(/ replied in \d+ ms$/);
    const wrong = await tcpSampler({
      host: "127.0.0.1",
      port: server.port,
      expect: { equals: "SSH-2.0" },
    }).probe();
    expect(wrong.status).toBe("critical");
    expect(wrong.message).toBe(
      `127.0.0.1:${server.port} did not reply with the first line "SSH-2.0" (received "SSH-2.0-OpenSSH_9.6\\r\\n")`,
    );
  });

  it("finds text with contains and RE2 patterns with matches, across chunks", async () => {
    await using server = await startTcpServer((socket) => {
      socket.write("220 mail.example.com ");
      setTimeout(() => socket.write("ESMTP Postfix\r\n"), 20);
    });
    const target = { host: "127.0.0.1", port: server.port };
    expect((await tcpSampler({ ...target, expect: { contains: "ESMTP" } }).probe()).status).toBe("ok");
    expect(
      (await tcpSampler({ ...target, expect: { matches: "^220 \\S+ esmtp", flags: "i" } }).probe()).status,
    ).toBe("ok");
  });

  it("sends a text and checks the reply", async () => {
    await using server = await startTcpServer((socket) =>
      socket.on("data", (data) => socket.write(data.toString() === "PING\r\n" ? "+PONG\r\n" : "-ERR\r\n")),
    );
    const result = await tcpSampler({
      host: "127.0.0.1",
      port: server.port,
      send: "PING\r\n",
      expect: { equals: "+PONG" },
    }).probe();
    expect(result.status).toBe("ok");
    expect(result.details).toMatchObject({ replyBytes: 7 });
  });

  it("is critical when the server closes without the expected text", async () => {
    await using server = await startTcpServer((socket) => socket.end("-ERR unknown command\r\n"));
    const result = await tcpSampler({
      host: "127.0.0.1",
      port: server.port,
      expect: { contains: "+PONG" },
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.message).toBe(
      `127.0.0.1:${server.port} did not reply with text containing "+PONG" (received "-ERR unknown command\\r\\n")`,
    );
  });

  it("gives up after maxReplyBytes", async () => {
    await using server = await startTcpServer((socket) => socket.write("x".repeat(10_000)));
    const result = await tcpSampler({
      host: "127.0.0.1",
      port: server.port,
      expect: { contains: "never" },
      maxReplyBytes: 100,
    }).probe();
    expect(result.status).toBe("critical");
    expect(result.details).toMatchObject({ replyBytes: 100 });
  });

  it("is critical when a silent server sends nothing before the timeout, saying it connected", async () => {
    const silent = await startSilentServer();
    try {
      const result = await tcpSampler({
        host: "127.0.0.1",
        port: silent.port,
        timeout: "200ms",
        expect: { matches: "^220" },
      }).probe();
      expect(result.status).toBe("critical");
      expect(result.message).toBe(
        `no reply with text matching /^220/ from 127.0.0.1:${silent.port} within 200 ms (received "")`,
      );
      expect(result.details).toMatchObject({ connectMs: expect.any(Number) });
    } finally {
      await silent.close();
    }
  });

  it("is unknown when the caller aborts", async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      const pending = tcpSampler({ host: "127.0.0.1", port: silent.port, expect: { contains: "x" } }).probe({
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 50);
      const result = await pending;
      expect(result.status).toBe("unknown");
      expect(result.message).toBe(`probe of 127.0.0.1:${silent.port} aborted`);
    } finally {
      await silent.close();
    }
  });
});

describe("latency", () => {
  it("is warning or critical when the reply takes as long as the thresholds", async () => {
    await using server = await startTcpServer((socket) => setTimeout(() => socket.write("READY\n"), 120));
    const target = { host: "127.0.0.1", port: server.port, expect: { equals: "READY" } };
    const warning = await tcpSampler({ ...target, latency: { warning: 50, critical: 5000 } }).probe();
    expect(warning.status).toBe("warning");
    expect(warning.message).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${server.port} replied in \\d+ ms, reaching the warning threshold of 50 ms$`,
      ),
    );
    const critical = await tcpSampler({ ...target, latency: { warning: 20, critical: 50 } }).probe();
    expect(critical.status).toBe("critical");
  });
});
