import { AmstaffError, type PluginDescriptor } from "@amstaff/core";
import type { Logger } from "pino";
import type { SecretStore, SecretStoreOptions } from "./access/secretStore.js";
import type { TokenSource } from "./access/token.js";
import type { Clock } from "./clock.js";
import type { ClusterTlsFiles } from "./cluster/clusterHttp.js";
import type { EtcdEngineOptions } from "./cluster/etcd/etcdEngine.js";
import type { ClusterTiming } from "./cluster/timing.js";
import type { StatusPageSelection } from "./http/dashboard/statusPage.js";
import type { IntegrationSettings } from "./http/integrations.js";
import type { RetryPolicy } from "./runtime/retryPolicy.js";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Where state lives (a SQLite file and the token). Created if missing. */
  dataDir: string;
  /** The port of the HTTP API; 0 picks a free one. @default 7070 */
  port?: number;
  /** The address to listen on. @default "127.0.0.1" */
  host?: string;
  /**
   * The API token, named `admin`, role admin, team `default`; when absent, the data directory's, or a
   * generated one.
   */
  token?: string | undefined;
  /**
   * More API tokens, by name (`{ ci: "…", alice: "…" }`): role write, team `default` (see "Teams and
   * tokens" in the README). Every write records the name of the token that made it, so give each
   * pipeline and person their own.
   */
  tokens?: Readonly<Record<string, string>> | undefined;
  /**
   * Read-only API tokens, by name (`{ grafana: "…" }`): role read, team `default`; they may call `GET`
   * endpoints (and scrape `/metrics`) only; any other method answers `403`.
   */
  readTokens?: Readonly<Record<string, string>> | undefined;
  /**
   * A tokens file (`amstaff-server token create` writes it): named tokens with a team and a role, kept
   * as SHA-256 hashes, read again when it changes.
   */
  tokensFile?: string | undefined;
  /** Retention of the sample history. */
  history?: { rawDays?: number | undefined; rollupDays?: number | undefined } | undefined;
  /** Serve `GET /metrics` without a token. @default false */
  metricsPublic?: boolean | undefined;
  /**
   * The plugins this node offers. Default: the built-in ones plus every plugin package discovered
   * beside the server and in the working directory (see `discoverPlugins`).
   */
  plugins?: readonly PluginDescriptor[];
  /** The URL people reach this server at, for links in notifications (e.g. `https://amstaff.example.com`). */
  publicUrl?: string | undefined;
  /**
   * Settings of plugins' integrations (routes under `/integrations/<path>/`), by path:
   * `{ slack: { signingSecret, token } }` answers Slack's Acknowledge buttons. An integration is served
   * only when it has settings, here or in `integrationEnv`; these win.
   * @default {} (only those of `integrationEnv`)
   */
  integrations?: IntegrationSettings | undefined;
  /**
   * Where integrations' settings are read as `AMSTAFF_<PATH>_<SETTING>` variables
   * (`AMSTAFF_SLACK_SIGNING_SECRET`): only the settings each installed integration declares are read.
   * The CLI passes its environment.
   * @default {} (none)
   */
  integrationEnv?: Readonly<Record<string, string | undefined>> | undefined;
  /** @deprecated Use `integrations: { slack: { signingSecret, token, apiUrl } }`; the same. */
  slack?: { signingSecret: string; token?: string | undefined; apiUrl?: string | undefined } | undefined;
  /**
   * Where modules' `secret("NAME")` references are resolved, and who may use which: a store, or its
   * options (`AMSTAFF_SECRET_<NAME>` variables, a secrets directory, grants). Nothing else of the
   * environment is ever readable by a module.
   * @default a store of this process' `AMSTAFF_SECRET_*` variables, with no grants (no module may use any)
   */
  secrets?: SecretStore | SecretStoreOptions | undefined;
  /**
   * The most probes that may run at once. Below it, the node sizes its probe slots to the measured
   * demand (probes due per second × how long each takes, twice over), from 32 up. @default 4096
   */
  concurrency?: number;
  /** Delivery retries. */
  retry?: Partial<RetryPolicy>;
  /** A pino logger, or a level for the default one. @default "info" */
  logger?: Logger | string;
  clock?: Clock;
  /**
   * This node's id in the cluster. Kept in `<data-dir>/node-id` on first start; a later start with a
   * different id is refused. @default the stored one, else a generated one
   */
  nodeId?: string | undefined;
  /** The other founding nodes' Raft addresses, `{ b: "10.0.0.2:7170" }`. @default {} (a cluster of one) */
  peers?: Readonly<Record<string, string>> | undefined;
  /** The port Raft listens on; needed for a cluster (0 picks a free one). @default none (no Raft network) */
  raftPort?: number | undefined;
  /** The address Raft listens on and that other nodes dial. @default `host` */
  raftHost?: string | undefined;
  /**
   * The secret every node of the cluster shares (16 characters or more); needed with `raftPort`. On etcd,
   * optional: without it the nodes share one kept in etcd.
   */
  clusterSecret?: string | undefined;
  /**
   * Mutual TLS for node traffic (Raft and the internal endpoints): the cluster CA and this node's
   * certificate and key, as PEM (`amstaff-server certs` makes them). A node with `raftPort` needs this,
   * or `insecureClusterTransport`.
   */
  clusterTls?: ClusterTlsFiles | undefined;
  /**
   * Let a cluster run with node traffic in clear (authenticated with the secret, not encrypted): only
   * for a network nobody else can reach, or tests. @default false
   */
  insecureClusterTransport?: boolean | undefined;
  /**
   * The port of the internal listener, which serves the node-to-node endpoints (`/_cluster/*`) on
   * `raftHost`, over mutual TLS with `clusterTls`. @default 0 (a free port, announced to the cluster)
   */
  clusterHttpPort?: number | undefined;
  /** HTTPS for the API: a certificate (its chain) and key, as PEM. @default none: plain HTTP */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /** Start empty and wait to be added to an existing cluster (`POST /cluster/members`). @default false */
  join?: boolean | undefined;
  /** The API URL other nodes reach this one at. @default the URL it listens on */
  advertiseUrl?: string | undefined;
  /**
   * Run on etcd instead of Raft (issue 17): the log and module ownership live in etcd, under `prefix`.
   * Then no Raft port or peers are needed; nodes call each other only for the overview's bars and the
   * status pages' days, authenticated with `clusterSecret` or, without it, a secret kept in etcd.
   * @default none: Raft
   */
  etcd?: EtcdEngineOptions | undefined;
  /** Lease and reassignment timing. */
  clusterTiming?: Partial<ClusterTiming> | undefined;
  /**
   * The directories SQLite samplers may open files under (symlinks resolved; never the data directory,
   * even inside one of them). A module naming another file is refused at push.
   * @default [] (every `sqlite()` is refused)
   */
  sqliteRoots?: readonly string[] | undefined;
  /** Test-only: enables `POST /cluster/fault` (cut this node off the cluster). @default false */
  faultInjection?: boolean | undefined;
  /**
   * How often open incidents are checked for escalation stages, reminders and alerts no longer held
   * back, besides after every sample. A testing knob: lower it to see escalations on time in tests.
   * @default 5000
   */
  incidentTickMs?: number | undefined;
  /**
   * What the public status pages (`/status/tag/<tag>`, `/status/module/<name>`, no token) publish.
   * @default nothing: every status page answers 404
   */
  statusPages?: StatusPageSelection | undefined;
}

/** A running Amstaff node. */
export interface AmstaffServer extends AsyncDisposable {
  /** The API's base URL, e.g. `http://127.0.0.1:7070`. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly tokenSource: TokenSource;
  readonly tokenPath: string;
  readonly dataDir: string;
  readonly nodeId: string;
  /** The port Raft listens on, when it does. */
  readonly raftPort: number | undefined;
  /** Stops sampling and delivering, finishes the requests under way and closes the state. */
  stop(): Promise<void>;
}

/** The sample history's retention, as {@link ServerOptions.history} asks, defaults filled in. */
export interface HistoryRetention {
  /** Days every sample is kept. @default 7 */
  rawDays: number;
  /** Days the per-bucket rollups are kept; at least `rawDays`. @default 90 */
  rollupDays: number;
}

/**
 * Checks {@link ServerOptions.history} and fills in its defaults.
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` when the raw days are not positive or exceed the rollup days
 */
export function historyRetention(history: ServerOptions["history"]): HistoryRetention {
  const { rawDays = 7, rollupDays = 90 } = history ?? {};
  if (!(rawDays > 0 && rollupDays >= rawDays)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      `History retention: raw days (${rawDays}) must be positive and at most the rollup days (${rollupDays}).`,
    );
  }
  return { rawDays, rollupDays };
}
