import { AmstaffError } from "@amstaff/core";
import { Etcd3 } from "etcd3";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../src/clock.js";
import { EtcdAppender } from "../src/cluster/etcd/etcdAppender.js";
import { EtcdLog, type EtcdLogOptions } from "../src/cluster/etcd/etcdLog.js";
import { etcdClusterSecret } from "../src/cluster/etcd/etcdSecret.js";
import type { Command } from "../src/state/commands.js";
import { exportedState } from "../src/state/import.js";
import { StateMachine } from "../src/state/stateMachine.js";
import { auditPadding } from "./auditPadding.js";
import { EtcdCluster } from "./etcdCluster.js";
import { eventually } from "./serverProcess.js";

/**
 * etcd's request limit here: 64 KiB instead of its default 1.5 MiB, so that values over the limit are
 * tested with ones of a few hundred KiB (and chunks of a few KiB).
 */
const maxRequestBytes = 64 * 1024;

// A real 3-member etcd cluster (Debian's etcd-server), started here on free loopback ports.
let etcd: EtcdCluster;
let admin: Etcd3;
beforeAll(async () => {
  etcd = await EtcdCluster.start(3, undefined, maxRequestBytes);
  admin = new Etcd3({ hosts: etcd.endpoints });
}, 60_000);
afterAll(async () => {
  admin?.close();
  await etcd?.stop();
});

const logs: EtcdLog[] = [];
afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
});

let clusters = 0;
/** A key prefix of its own for each test: several Amstaff clusters share this etcd. */
const freshPrefix = () => `/amstaff-test-${process.pid}-${++clusters}`;

async function open(prefix: string, nodeId: string, extra: Partial<EtcdLogOptions> = {}) {
  const machine = extra.machine ?? new StateMachine();
  const log = await EtcdLog.open({
    endpoints: etcd.endpoints,
    prefix,
    nodeId,
    machine,
    logger: pino({ level: "silent" }),
    // Upkeep runs when a test calls maintain().
    maintenanceMs: 3_600_000,
    ...extra,
  });
  logs.push(log);
  return { log, machine };
}

/** A snapshot at each maintain() after anything was applied. */
const everyRound = { snapshotPolicy: { minLogBytes: 0, maxLogBytes: 1 } };

const audit = (action: string, detail?: string): Command => ({
  type: "audit.record",
  action,
  ...(detail === undefined ? {} : { detail }),
  actor: { name: "tester" },
  at: 0,
});

/** A `state.import` of `count` audit entries of about 280 bytes each: a command of `count` × 280 bytes. */
function bigImport(count: number): Command {
  const state = exportedState(new StateMachine().snapshot());
  return {
    type: "state.import",
    state: { ...state, audit: auditPadding(count) },
    replace: false,
    source: { clusterId: "elsewhere", version: "test" },
    actor: { name: "tester" },
    at: 0,
  } as Command;
}

/** The snapshot's manifest as stored, and the keys of every snapshot chunk in etcd. */
async function storedSnapshot(prefix: string) {
  const space = admin.namespace(`${prefix}/`);
  const manifest = JSON.parse((await space.get("snapshot/manifest").string()) ?? "null");
  return { manifest, chunkKeys: await space.getAll().prefix("snapshot/chunks/").keys() };
}

describe("EtcdLog on a real 3-member etcd", () => {
  it("applies concurrent proposals of 3 nodes in one total order: identical state everywhere", async () => {
    const prefix = freshPrefix();
    const nodes = [await open(prefix, "n1"), await open(prefix, "n2"), await open(prefix, "n3")];
    const results = await Promise.all(
      nodes.flatMap(({ log }, n) =>
        Array.from({ length: 20 }, (_, i) => log.propose(audit(`n${n + 1}-${i}`))),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const last = Math.max(...nodes.map(({ log }) => log.appliedRevision));
    await Promise.all(nodes.map(({ log }) => log.waitApplied(last, 5_000)));
    const [first, ...others] = nodes.map(({ machine }) => machine.snapshot());
    for (const other of others) expect(other).toEqual(first);
    expect(nodes[0]?.machine.audit({ limit: 100 })).toHaveLength(60);
  });

  it("a late node catches up from the snapshot after etcd's history was compacted", async () => {
    const prefix = freshPrefix();
    const a = await open(prefix, "a", everyRound);
    for (let i = 0; i < 12; i++) await a.log.propose(audit(`early-${i}`));
    const firstRevision = a.log.appliedRevision - 11;
    await a.log.maintain();
    // The early entries are gone from etcd: only the snapshot has them.
    await expect(admin.namespace(`${prefix}/`).get("log").revision(firstRevision).exec()).rejects.toThrow(
      /compacted/,
    );
    const b = await open(prefix, "b");
    expect(b.log.appliedRevision).toBe(a.log.appliedRevision);
    expect(b.machine.snapshot()).toEqual(a.machine.snapshot());
    await b.log.propose(audit("from-b"));
    await a.log.waitApplied(b.log.appliedRevision, 5_000);
    expect(a.machine.snapshot()).toEqual(b.machine.snapshot());
    expect(a.machine.audit({ limit: 100 })).toHaveLength(13);
  });

  it("records its applied revision, stores snapshots and compacts by itself", async () => {
    const prefix = freshPrefix();
    const space = admin.namespace(`${prefix}/`);
    const a = await open(prefix, "a", { ...everyRound, maintenanceMs: 100 });
    for (let i = 0; i < 5; i++) await a.log.propose(audit(`write-${i}`));
    const revision = a.log.appliedRevision;
    await eventually(
      async () => ((await storedSnapshot(prefix)).manifest?.covers === revision ? true : undefined),
      5_000,
      "a snapshot",
    );
    await eventually(
      async () => ((await space.get("nodes/a/applied").string()) === String(revision) ? true : undefined),
      5_000,
      "the applied revision",
    );
    await eventually(
      () =>
        space
          .get("log")
          .revision(revision - 1)
          .exec()
          .then(
            () => undefined,
            () => true,
          ),
      5_000,
      "compaction",
    );
  });

  it("never compacts past a live node's applied revision", async () => {
    const prefix = freshPrefix();
    const space = admin.namespace(`${prefix}/`);
    const a = await open(prefix, "a", everyRound);
    await a.log.propose(audit("before"));
    const slowAt = a.log.appliedRevision;
    // A live node that applied no further than `slowAt`.
    const slowLease = space.lease(30);
    await slowLease.put("nodes/slow/applied").value(String(slowAt)).exec();
    for (let i = 0; i < 5; i++) await a.log.propose(audit(`after-${i}`));
    await a.log.maintain();
    // The slow node can still watch from the revision after its own.
    const kept = await space.get("log").revision(slowAt).exec();
    expect(Number(kept.kvs[0]?.mod_revision)).toBe(slowAt);
    // Once it is gone (its lease ends), compaction moves on to the snapshot.
    await slowLease.revoke();
    await a.log.maintain();
    await expect(space.get("log").revision(slowAt).exec()).rejects.toThrow(/compacted/);
  });

  it("readBarrier on one node sees a write made through another", async () => {
    const prefix = freshPrefix();
    const a = await open(prefix, "a");
    const b = await open(prefix, "b");
    for (let i = 0; i < 5; i++) {
      await a.log.propose(audit(`write-${i}`));
      await b.log.readBarrier();
      expect(b.machine.audit({ limit: 100 })).toHaveLength(i + 1);
    }
  });

  it("goes on taking proposals when the etcd leader is killed with SIGKILL, none lost or applied twice", async () => {
    const prefix = freshPrefix();
    const a = await open(prefix, "a");
    const b = await open(prefix, "b");
    await a.log.propose(audit("before"));
    const leader = await etcd.leader();
    try {
      // Proposals in flight while the leader dies: each either succeeds or says its outcome is unknown.
      const inFlight = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).log.propose(audit(`in-flight-${i}`)),
      );
      await etcd.kill(leader);
      const settled = await Promise.allSettled(inFlight);
      for (const outcome of settled) {
        if (outcome.status === "fulfilled") expect(outcome.value.ok).toBe(true);
        else expect((outcome.reason as AmstaffError).code).toBe("AMS_ERR_LOG_OUTCOME_UNKNOWN");
      }
      // And afterwards, on the two members left, every proposal succeeds.
      for (let i = 0; i < 10; i++) {
        const { log } = i % 2 === 0 ? a : b;
        expect((await log.propose(audit(`after-${i}`))).ok).toBe(true);
      }
      await b.log.readBarrier();
      await a.log.readBarrier();
      expect(b.machine.snapshot()).toEqual(a.machine.snapshot());
      const actions = a.machine.audit({ limit: 100 }).map((e) => e.action);
      expect(new Set(actions).size).toBe(actions.length);
      settled.forEach((outcome, i) => {
        if (outcome.status === "fulfilled") expect(actions).toContain(`in-flight-${i}`);
      });
      expect(actions.filter((action) => action.startsWith("after-"))).toHaveLength(10);
    } finally {
      await etcd.restart(leader);
    }
  }, 30_000);

  it("fails fast with a clear error while etcd is unreachable, and applies nothing", async () => {
    const prefix = freshPrefix();
    // The default deadline (10 s): with no member to connect to, the log gives up well before it.
    const a = await open(prefix, "a");
    await a.log.propose(audit("before"));
    await Promise.all([0, 1, 2].map((i) => etcd.kill(i)));
    try {
      const started = Date.now();
      const error = await a.log.propose(audit("lost")).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(error).toBeInstanceOf(AmstaffError);
      // UNAVAILABLE when the client knew the members were gone before the write; OUTCOME_UNKNOWN when the
      // write went out on a connection that then dropped (from the client, it may have reached etcd).
      const { code, message } = error as AmstaffError;
      expect(
        code === "AMS_ERR_LOG_UNAVAILABLE"
          ? /No etcd member .* took the command \(none could be reached/.test(message)
          : code === "AMS_ERR_LOG_OUTCOME_UNKNOWN" && /could not be reached/.test(message),
      ).toBe(true);
    } finally {
      await Promise.all([0, 1, 2].map((i) => etcd.restart(i)));
    }
    const later = await open(prefix, "later");
    await later.log.readBarrier(10_000);
    expect(later.machine.audit({ limit: 100 }).map((e) => e.action)).toEqual(["before"]);
  }, 40_000);

  it("stages a command over etcd's request limit, stores the state as a chunked snapshot, and a new node catches up from it", async () => {
    const prefix = freshPrefix();
    const space = admin.namespace(`${prefix}/`);
    const small = { chunkBytes: 16 * 1024, ...everyRound };
    const a = await open(prefix, "a", small);
    const b = await open(prefix, "b", small);
    const command = bigImport(1_000);
    // The limit is real: the command does not fit in one etcd request.
    await expect(space.put("too-large").value(JSON.stringify(command)).exec()).rejects.toThrow(/too large/);

    expect(await a.log.propose(command)).toEqual({ ok: true });
    await b.log.waitApplied(a.log.appliedRevision, 10_000);
    expect(b.machine.audit({ limit: 2_000 })).toHaveLength(1_001);
    expect(b.machine.snapshot()).toEqual(a.machine.snapshot());
    // Once the entry is committed, its staged chunks are gone (nodes read them from etcd's history).
    expect(await space.getAll().prefix("staged/").keys()).toEqual([]);

    await a.log.maintain();
    const { manifest, chunkKeys } = await storedSnapshot(prefix);
    expect(manifest).toMatchObject({ covers: a.log.appliedRevision, sha256: expect.any(String) });
    expect(manifest.bytes).toBeGreaterThan(maxRequestBytes);
    expect(manifest.chunks).toBe(Math.ceil(manifest.bytes / small.chunkBytes));
    expect(chunkKeys).toHaveLength(manifest.chunks);
    // Compacted: the entry itself is gone from etcd's history, only the snapshot has the import.
    await expect(
      space
        .get("log")
        .revision(a.log.appliedRevision - 1)
        .exec(),
    ).rejects.toThrow(/compacted/);

    const c = await open(prefix, "c", small);
    expect(c.log.appliedRevision).toBe(a.log.appliedRevision);
    expect(c.machine.snapshot()).toEqual(a.machine.snapshot());
    await c.log.propose(audit("from-c"));
    await a.log.waitApplied(c.log.appliedRevision, 5_000);
    expect(a.machine.audit({ limit: 2 })[0]).toMatchObject({ action: "from-c" });
  }, 60_000);

  it("ignores and then deletes a torn snapshot write, and refuses a snapshot whose checksum does not match", async () => {
    const prefix = freshPrefix();
    const space = admin.namespace(`${prefix}/`);
    const tiny = { chunkBytes: 256, ...everyRound };
    const a = await open(prefix, "a", tiny);
    for (let i = 0; i < 5; i++) await a.log.propose(audit(`write-${i}`));
    await a.log.maintain();
    const published = await storedSnapshot(prefix);
    expect(published.manifest.chunks).toBeGreaterThan(1);

    // A node died while writing the next snapshot: its chunks are there, the manifest never moved.
    const torn = `snapshot/chunks/${String(a.log.appliedRevision + 1).padStart(16, "0")}/torn/`;
    await space.put(`${torn}000000`).value("half a snapshot").exec();
    const b = await open(prefix, "b", tiny);
    expect(b.log.appliedRevision).toBe(a.log.appliedRevision);
    expect(b.machine.snapshot()).toEqual(a.machine.snapshot());

    // The next snapshot covers more: the torn chunks go, and so do the replaced snapshot's.
    await a.log.propose(audit("later"));
    await a.log.maintain();
    const next = await storedSnapshot(prefix);
    expect(next.manifest.covers).toBe(a.log.appliedRevision);
    expect(next.chunkKeys).toHaveLength(next.manifest.chunks);
    expect(next.chunkKeys.every((key) => key.startsWith(next.manifest.prefix))).toBe(true);

    // A chunk changed behind Amstaff's back (same length): the snapshot is refused, not restored.
    const first = `${next.manifest.prefix}000000`;
    const original = (await space.get(first).buffer()) as Buffer;
    await space.put(first).value(Buffer.alloc(original.length, "#")).exec();
    const refused = await open(prefix, "c", tiny).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AmstaffError);
    expect(refused).toMatchObject({
      code: "AMS_ERR_STATE_CORRUPT",
      message: expect.stringMatching(/checksum/),
    });
  }, 30_000);

  it("snapshots by log size: once the entries since the last snapshot weigh as much as it", async () => {
    const prefix = freshPrefix();
    const space = admin.namespace(`${prefix}/`);
    const policy = { logSizeFactor: 1, minLogBytes: 3_000, maxLogBytes: 1 << 20 };
    const a = await open(prefix, "a", { snapshotPolicy: policy, chunkBytes: 16 * 1024 });
    // What the policy should decide, from what each entry weighs in etcd (+16 bytes an entry).
    let lastBytes = 0;
    let since = 0;
    const due: number[] = [];
    const stored: number[] = [];
    for (let i = 0; i < 30; i++) {
      await a.log.propose(audit(`write-${i}`, "x".repeat(500)));
      since += ((await space.get("log").buffer())?.byteLength ?? 0) + 16;
      if (since >= Math.max(policy.minLogBytes, policy.logSizeFactor * lastBytes)) {
        due.push(i);
        since = 0;
      }
      await a.log.maintain();
      const { manifest } = await storedSnapshot(prefix);
      if (manifest?.covers === a.log.appliedRevision) {
        stored.push(i);
        lastBytes = manifest.bytes;
      }
    }
    expect(stored).toEqual(due);
    // The state grows with every entry, and so does the log between two snapshots.
    expect(stored.length).toBeGreaterThanOrEqual(3);
    const gaps = stored.slice(1).map((at, n) => at - (stored[n] as number));
    expect(gaps[1]).toBeGreaterThan(gaps[0] as number);
  }, 30_000);

  it("holds applying while a snapshot encodes: entries committed meanwhile are applied after it, once, also after a restart from it", async () => {
    const prefix = freshPrefix();
    // An encode that lasts until the test lets it go on.
    const machine = new StateMachine();
    const encode = machine.snapshotInSlices.bind(machine);
    let encoding!: () => void;
    const started = new Promise<void>((resolve) => (encoding = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    machine.snapshotInSlices = async () => {
      encoding();
      await released;
      return encode();
    };
    const a = await open(prefix, "a", { ...everyRound, machine });
    const b = await open(prefix, "b");
    for (let i = 0; i < 3; i++) await a.log.propose(audit(`before-${i}`));
    const heldAt = a.log.appliedRevision;

    const round = a.log.maintain();
    await started;
    for (let i = 0; i < 10; i++) await b.log.propose(audit(`during-${i}`));
    const fromA = a.log.propose(audit("during-from-a"));
    // Committed in etcd and applied by b, but not by a while its snapshot encodes.
    await eventually(
      async () => {
        await b.log.readBarrier();
        return b.machine.audit({ limit: 100 }).length === 14 ? true : undefined;
      },
      5_000,
      "a's write applied by b",
    );
    expect(a.log.appliedRevision).toBe(heldAt);
    expect(a.machine.audit({ limit: 100 })).toHaveLength(3);

    release();
    await round;
    expect((await fromA).ok).toBe(true);
    await b.log.waitApplied(a.log.appliedRevision, 5_000);
    await a.log.waitApplied(b.log.appliedRevision, 5_000);
    expect(a.machine.snapshot()).toEqual(b.machine.snapshot());
    expect((await storedSnapshot(prefix)).manifest.covers).toBe(heldAt);

    // A restart from that snapshot replays exactly what came after it.
    await a.log.close();
    const restarted = await open(prefix, "a");
    await restarted.log.waitApplied(b.log.appliedRevision, 5_000);
    expect(restarted.machine.snapshot()).toEqual(b.machine.snapshot());
    const actions = restarted.machine.audit({ limit: 100 }).map((e) => e.action);
    expect(actions).toHaveLength(14);
    expect(new Set(actions).size).toBe(14);
  }, 30_000);

  it("never appends an entry naming staged chunks that expired: it is refused, and the log is unchanged", async () => {
    const prefix = freshPrefix();
    const space = admin.namespace(`${prefix}/`);
    const lease = space.lease(30);
    await lease.put("staged/gone/000000").value("a chunk").exec();
    // The proposer stalled past the lease: etcd deleted its chunks.
    await lease.revoke();
    const appender = new EtcdAppender(space, "a", systemClock, etcd.endpoints, 1_000);
    const deadline = Date.now() + 5_000;
    const entry = JSON.stringify({ id: "a/1", staged: { prefix: "staged/gone/" } });
    const refused = await appender
      .append(entry, deadline, () => false, 0, "staged/gone/000000")
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: "AMS_ERR_LOG_UNAVAILABLE",
      message: expect.stringMatching(/expired/),
    });
    expect(await space.get("log").exec()).toMatchObject({ kvs: [] });
  });
});

describe("the internal secret of nodes on etcd", () => {
  it("is made once per prefix: nodes starting together all get the one created first", async () => {
    const prefix = freshPrefix();
    const nodes = [await open(prefix, "n1"), await open(prefix, "n2"), await open(prefix, "n3")];
    const secrets = await Promise.all(nodes.map(({ log }) => etcdClusterSecret(log.space, systemClock)));
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toMatch(/^[\w-]{43}$/);
    expect(await admin.namespace(`${prefix}/`).get("cluster-secret").string()).toBe(secrets[0]);
    // Asked again (a restart), the same; another cluster sharing the etcd has its own.
    expect(await etcdClusterSecret(nodes[0]!.log.space, systemClock)).toBe(secrets[0]);
    const other = await open(freshPrefix(), "n1");
    expect(await etcdClusterSecret(other.log.space, systemClock)).not.toBe(secrets[0]);
  });
});
