import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AmstaffError } from "@amstaff/core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClusterCertificates } from "../src/cluster/certs.js";
import { EtcdLog, type EtcdLogOptions } from "../src/cluster/etcd/etcdLog.js";
import { StateMachine } from "../src/state/stateMachine.js";
import { EtcdCluster } from "./etcdCluster.js";

const command = { type: "audit.record", action: "secure", actor: { name: "tester" }, at: 0 } as const;

/** Opens a log with `options`, proposes one command, closes it; resolves with the error, if any. */
async function tryLog(options: Omit<EtcdLogOptions, "nodeId" | "machine" | "logger">) {
  let log: EtcdLog | undefined;
  try {
    log = await EtcdLog.open({
      ...options,
      dialTimeoutMs: 2_000,
      nodeId: "n1",
      machine: new StateMachine(),
      logger: pino({ level: "silent" }),
    });
    expect((await log.propose(command)).ok).toBe(true);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await log?.close();
  }
}

describe("EtcdLog against an etcd that requires client certificates", () => {
  let dir: string;
  let etcd: EtcdCluster;
  let pem: { ca: Uint8Array; cert: Uint8Array; key: Uint8Array };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "amstaff-etcd-tls-"));
    const { ca, nodes } = await createClusterCertificates({
      out: dir,
      nodes: [
        { id: "etcd", addresses: ["127.0.0.1"] },
        { id: "amstaff", addresses: ["127.0.0.1"] },
      ],
    });
    const [member, client] = nodes;
    etcd = await EtcdCluster.start(1, { ca: ca.cert, cert: member!.cert, key: member!.key });
    pem = { ca: readFileSync(ca.cert), cert: readFileSync(client!.cert), key: readFileSync(client!.key) };
  }, 60_000);
  afterAll(async () => {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("works with the CA, the client certificate and its key", async () => {
    expect(await tryLog({ endpoints: etcd.endpoints, ...pem })).toBeUndefined();
  });

  it("is refused without a client certificate", async () => {
    const error = await tryLog({ endpoints: etcd.endpoints, ca: pem.ca });
    expect(error).toBeInstanceOf(AmstaffError);
    expect((error as AmstaffError).code).toBe("AMS_ERR_LOG_UNAVAILABLE");
  });
});

describe("EtcdLog against an etcd with authentication enabled", () => {
  let etcd: EtcdCluster;
  beforeAll(async () => {
    etcd = await EtcdCluster.start(1);
    const etcdctl = (...args: string[]) =>
      execFileSync("etcdctl", [`--endpoints=${etcd.endpoints[0]}`, ...args], { stdio: "ignore" });
    etcdctl("user", "add", "root", "--new-user-password=etcd-root-secret");
    etcdctl("user", "grant-role", "root", "root");
    etcdctl("auth", "enable");
  }, 60_000);
  afterAll(async () => {
    await etcd?.stop();
  });

  it("works with the user and password", async () => {
    expect(
      await tryLog({ endpoints: etcd.endpoints, user: "root", password: "etcd-root-secret" }),
    ).toBeUndefined();
  });

  it("is refused with a wrong password", async () => {
    const error = await tryLog({ endpoints: etcd.endpoints, user: "root", password: "wrong" });
    expect(error).toBeInstanceOf(AmstaffError);
    expect((error as AmstaffError).message).toMatch(/authentication failed/);
  });
});
