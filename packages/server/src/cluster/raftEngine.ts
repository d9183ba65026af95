import { join } from "node:path";
import type Database from "better-sqlite3";
import type { Logger } from "pino";
import type { Clock } from "../clock.js";
import type { ServerOptions } from "../options.js";
import type { StateMachine } from "../state/stateMachine.js";
import { Cluster } from "./cluster.js";
import type { ConsensusEngine } from "./engine.js";
import { createNodeTransport, followPeerAddresses } from "./nodeTransport.js";
import { migrateSqliteLog, RaftLog } from "./raftLog.js";
import { electionTicksOf, raftTickMs } from "./timing.js";

/** What {@link openRaftEngine} works with. */
export interface RaftEngineDeps {
  options: ServerOptions;
  nodeId: string;
  dataDir: string;
  /** The node's database, from which a single-node log of an earlier version is migrated. */
  db: Database.Database;
  machine: StateMachine;
  clock: Clock;
  logger: Logger;
  /** Fault injection for tests: when true, this node drops all cluster traffic. */
  isolated: () => boolean;
}

/**
 * The Raft engine (design decision 2, the default): this node's `RaftLog` in `<data-dir>/raft.db`, the
 * node-to-node transports (Raft over TCP, internal HTTP endpoints), and {@link Cluster} for ownership.
 */
export async function openRaftEngine(deps: RaftEngineDeps): Promise<ConsensusEngine> {
  const { options, nodeId, dataDir, db, machine, clock, logger, isolated } = deps;
  const peers = options.peers ?? {};
  const raftPath = join(dataDir, "raft.db");
  const migrated = migrateSqliteLog(db, raftPath, nodeId);
  if (migrated !== undefined) logger.info({ index: migrated }, "moved the single-node log to Raft");

  const raftHost = options.raftHost ?? options.host ?? "127.0.0.1";
  const { tcp, transport, internalToken, clusterHttp } = createNodeTransport({
    peers,
    raftPort: options.raftPort,
    clusterSecret: options.clusterSecret,
    clusterTls: options.clusterTls,
    nodeId,
    raftHost,
    logger,
    isolated,
  });
  followPeerAddresses(machine, tcp, nodeId);
  const log = await RaftLog.open({
    nodeId,
    path: raftPath,
    machine,
    transport,
    initialMembers: options.join ? undefined : [nodeId, ...Object.keys(peers)],
    http: clusterHttp,
    logger,
    tickMs: raftTickMs,
    electionTicks: electionTicksOf(options.clusterTiming),
    clock,
  });
  const raftPort = tcp?.address().port;
  return {
    name: "raft",
    log,
    appliedIndex: () => log.raft.appliedIndex,
    raft: log.raft,
    raftPort,
    internalHost: tcp === undefined ? undefined : raftHost,
    cluster: ({ apiUrl, internalUrl, uptimeDays, glance }) =>
      new Cluster({
        nodeId,
        log,
        machine,
        clock,
        logger,
        internalToken,
        http: clusterHttp,
        apiUrl,
        internalUrl,
        raftAddress: raftPort === undefined ? undefined : `${raftHost}:${raftPort}`,
        timing: options.clusterTiming,
        isolated,
        uptimeDays,
        glance,
      }),
    close: async () => {
      await log.close();
      await clusterHttp.close();
    },
  };
}
