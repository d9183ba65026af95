import { delimiter } from "node:path";
import { parseArgs } from "node:util";
import { AmstaffError } from "@amstaff/core";
import { z } from "zod";
import { parseNamedTokens } from "../../access/token.js";
import { parseStatusPages } from "../../http/dashboard/statusPage.js";
import { createLogger } from "../../logger.js";
import type { ServerOptions } from "../../options.js";
import { version } from "../../version.js";
import { defaultMallocEnv, defaultStartFlags, defaultV8Flags } from "./nodeDefaults.js";
import { readPem, tlsOptions } from "./tls.js";

const nodeDefaultsText = Object.entries(defaultMallocEnv)
  .map(([name, value]) => `${name}=${value}`)
  .concat(defaultStartFlags)
  .join(", ");

/** `amstaff-server --help`: every flag and variable. */
export const serverUsage = `amstaff-server ${version}: monitoring and alerting as code

Usage: amstaff-server [options]
       amstaff-server certs --out <dir> --nodes a=10.0.0.1,b=10.0.0.2,c=host.example   (see certs --help)
       amstaff-server token create|list|revoke ...   manage a tokens file (amstaff-server token --help)

Options:
  --port <port>        HTTP API port (env AMSTAFF_PORT, default 7070; 0 picks a free one)
  --host <address>     address to listen on (env AMSTAFF_HOST, default 127.0.0.1)
  --data-dir <path>    where state is kept (env AMSTAFF_DATA_DIR, default ./amstaff-data)
  --log-level <level>  trace, debug, info, warn, error or silent (env AMSTAFF_LOG_LEVEL, default info)
  --log-format <fmt>   pretty (readable lines) or json (one object a line) (env AMSTAFF_LOG_FORMAT;
                       default pretty when stdout is a terminal, json otherwise)
  --public-url <url>   the URL people reach this server at, for links in notifications (env AMSTAFF_PUBLIC_URL)
  --history-raw-days <n>     days raw samples are kept (env AMSTAFF_HISTORY_RAW_DAYS, default 7)
  --history-rollup-days <n>  days 5-minute summaries of samples are kept (env AMSTAFF_HISTORY_ROLLUP_DAYS, default 90)
  --metrics-public     serve GET /metrics without a token (env AMSTAFF_METRICS_PUBLIC=1)
  --status-page <list> publish public status pages, e.g. tag:public,module:Payments (env AMSTAFF_STATUS_PAGES);
                       served without a token at /status/tag/<tag> and /status/module/<name>
  --heap-growth <pct>  how far V8's heap may grow past what is live before it collects again, in percent
                       (10-300; env AMSTAFF_HEAP_GROWTH_PERCENT; default 30). Lower takes less memory for
                       more GC time; never a limit (README, Memory)
  AMSTAFF_NODE_DEFAULTS=off  run as started, with V8's own sizing. Otherwise a node first starts itself again
                       in place (same PID, flags and environment) with ${nodeDefaultsText}, each unless
                       set, then sets ${defaultV8Flags.join(" ")} unless given (README, Memory)
  --sqlite-root <dir>  a directory whose SQLite files modules may query (repeatable; env AMSTAFF_SQLITE_ROOTS,
                       separated by "${delimiter}"); never the data directory. Default: none, sqlite() is refused

Secrets (what a module's secret("NAME") may resolve to; nothing else of the environment):
  AMSTAFF_SECRET_<NAME>    the secret NAME, e.g. AMSTAFF_SECRET_SLACK_TOKEN for secret("SLACK_TOKEN")
  --secrets-dir <dir>      one file per secret, named after it, as Kubernetes and Docker mount them
                           (env AMSTAFF_SECRETS_DIR); read at each use, so rotated files apply at once
  --secret-grants <file>   which modules (names or globs) and teams may use which secret, as JSON
                           {"SLACK_TOKEN":{"modules":["User Service","pay-*"],"teams":["payments"]}}
                           (env AMSTAFF_SECRETS_GRANTS_FILE, default <secrets-dir>/grants.json); more
                           grants inline in AMSTAFF_SECRETS_GRANTS. A secret with no grant is usable by no module.

Cluster (none of these: a cluster of one):
  --node-id <id>       this node's id, kept in <data-dir>/node-id (env AMSTAFF_NODE_ID)
  --raft-port <port>   port for Raft traffic between nodes (env AMSTAFF_RAFT_PORT)
  --raft-host <addr>   address Raft listens on and peers dial (env AMSTAFF_RAFT_HOST, default --host)
  --peers <list>       the other founding nodes: b=host:port,c=host:port (their Raft addresses; env AMSTAFF_PEERS)
  --join               start empty and wait to be added (amstaff cluster add) instead of founding
  --advertise-url <u>  the API URL other nodes reach this one at (env AMSTAFF_ADVERTISE_URL)
  The shared cluster secret (16+ characters) is AMSTAFF_CLUSTER_SECRET.

Engine (default: Raft, above; or etcd, when operators already run it):
  --etcd <endpoints>   run on etcd: the log and module ownership live there, e.g.
                       https://10.0.0.1:2379,https://10.0.0.2:2379 (env AMSTAFF_ETCD); no --raft-port
                       or --peers. Nodes ask each other only for the overview's bars and the status
                       pages' days, with a token from AMSTAFF_CLUSTER_SECRET if set, else from a secret
                       kept in etcd; with the --cluster-* certificates below, over mutual TLS
  --etcd-prefix <p>    the key prefix of this Amstaff cluster, so several share one etcd
                       (env AMSTAFF_ETCD_PREFIX, default /amstaff)
  --etcd-ca <file>     the CA of the etcd members' certificates, PEM (env AMSTAFF_ETCD_CA)
  --etcd-cert <file>   a client certificate, when etcd requires them, PEM (env AMSTAFF_ETCD_CERT)
  --etcd-key <file>    its key, PEM (env AMSTAFF_ETCD_KEY)
  --etcd-user <name>   the etcd user, when etcd has authentication on (env AMSTAFF_ETCD_USER);
                       its password is AMSTAFF_ETCD_PASSWORD

TLS (node traffic: required with --raft-port, unless --insecure-cluster-transport):
  --cluster-ca <file>    the cluster CA certificate, PEM (env AMSTAFF_CLUSTER_CA)
  --cluster-cert <file>  this node's certificate, PEM, common name = node id (env AMSTAFF_CLUSTER_CERT)
  --cluster-key <file>   this node's key, PEM (env AMSTAFF_CLUSTER_KEY)
                         make all three with: amstaff-server certs --out ./certs --nodes a=<addr>,b=<addr>,...
  --cluster-http-port <port>  the internal listener of node-to-node HTTP, on --raft-host
                         (env AMSTAFF_CLUSTER_HTTP_PORT, default 0: a free port, announced to the cluster)
  --insecure-cluster-transport  run a cluster with node traffic in clear (authenticated, not encrypted):
                         only on a network nobody else can reach (env AMSTAFF_INSECURE_CLUSTER_TRANSPORT=1)
  --tls-cert <file>      serve the API over HTTPS with this certificate chain, PEM (env AMSTAFF_TLS_CERT)
  --tls-key <file>       its key, PEM (env AMSTAFF_TLS_KEY)
  -h, --help           show this help
  -v, --version        show the version

Teams and tokens (every token has a name, a team and a role: admin, write, operate or read):
  --tokens-file <path> tokens with a team and a role, hashed at rest (env AMSTAFF_TOKENS_FILE);
                       make one with: amstaff-server token create --name ci --team payments --role write --file <path>
  AMSTAFF_TOKEN        the admin token (team "default"); when unset, the server generates one on first
                       start and keeps it in <data-dir>/token
  AMSTAFF_TOKENS       "ci=<token>,alice=<token>": role write, team "default" (they no longer change the cluster)
  AMSTAFF_READ_TOKENS  "grafana=<token>,wall=<token>": role read (GET only), team "default"
  Every write records the name and team of the token that made it (GET /audit).

Integrations: plugins serve routes under /integrations/<path>/ once their settings are set, from the
variables AMSTAFF_<PATH>_<SETTING>. Slack's Acknowledge buttons are answered at /integrations/slack/actions
when AMSTAFF_SLACK_SIGNING_SECRET is set (AMSTAFF_SLACK_TOKEN, if set, updates acknowledged messages with
chat.update).
`;

/** Parses `amstaff-server`'s flags (no positionals: `certs` and `token` are dispatched before). */
export function parseServerFlags(args: string[]) {
  return parseArgs({
    args,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      "public-url": { type: "string" },
      "status-page": { type: "string" },
      "node-id": { type: "string" },
      "raft-port": { type: "string" },
      "raft-host": { type: "string" },
      peers: { type: "string" },
      join: { type: "boolean" },
      "advertise-url": { type: "string" },
      etcd: { type: "string" },
      "etcd-prefix": { type: "string" },
      "etcd-ca": { type: "string" },
      "etcd-cert": { type: "string" },
      "etcd-key": { type: "string" },
      "etcd-user": { type: "string" },
      "cluster-ca": { type: "string" },
      "cluster-cert": { type: "string" },
      "cluster-key": { type: "string" },
      "cluster-http-port": { type: "string" },
      "insecure-cluster-transport": { type: "boolean" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      // Undocumented in --help: a testing knob (see the README's table).
      "incident-tick-ms": { type: "string" },
      "history-raw-days": { type: "string" },
      "history-rollup-days": { type: "string" },
      "metrics-public": { type: "boolean" },
      "heap-growth": { type: "string" },
      "secrets-dir": { type: "string" },
      "secret-grants": { type: "string" },
      "sqlite-root": { type: "string", multiple: true },
      "tokens-file": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
    strict: true,
  }).values;
}

/** The flags of an `amstaff-server` command line, as {@link parseServerFlags} reads them. */
export type ServerFlags = ReturnType<typeof parseServerFlags>;

const optionsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
  logFormat: z.enum(["json", "pretty"]),
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  nodeId: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional(),
  raftPort: z.coerce.number().int().min(0).max(65535).optional(),
  raftHost: z.string().min(1).optional(),
  peers: z
    .string()
    .regex(/^([\w.-]+=[^,=\s]+:\d{1,5})(,[\w.-]+=[^,=\s]+:\d{1,5})*$/, "b=host:port,c=host:port")
    .optional(),
  advertiseUrl: z.url({ protocol: /^https?$/ }).optional(),
  etcd: z
    .string()
    .regex(/^https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*$/, "http(s)://host:port,http(s)://host:port")
    .optional(),
  etcdPrefix: z
    .string()
    .regex(/^\/[^\s]*$/, "a key prefix starting with /")
    .optional(),
  clusterHttpPort: z.coerce.number().int().min(0).max(65535).optional(),
  incidentTickMs: z.coerce.number().int().min(10).max(3_600_000).optional(),
  historyRawDays: z.coerce.number().positive().max(3650).optional(),
  historyRollupDays: z.coerce.number().positive().max(3650).optional(),
});

/**
 * The node's options from its flags, else its `AMSTAFF_*` variables, else the defaults: validated, with
 * the certificate files read and checked.
 *
 * @throws Error listing every invalid option, followed by the usage
 * @throws AmstaffError for TLS files that are missing, unreadable or do not match
 */
export function serverOptions(values: ServerFlags, env: NodeJS.ProcessEnv): ServerOptions {
  const parsed = optionsSchema.safeParse({
    port: values.port ?? env.AMSTAFF_PORT ?? 7070,
    host: values.host ?? env.AMSTAFF_HOST ?? "127.0.0.1",
    dataDir: values["data-dir"] ?? env.AMSTAFF_DATA_DIR ?? "amstaff-data",
    logLevel: values["log-level"] ?? env.AMSTAFF_LOG_LEVEL ?? "info",
    // A person at a terminal reads lines; a pipe or a file goes to a log collector, which wants JSON.
    logFormat: values["log-format"] ?? env.AMSTAFF_LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json"),
    publicUrl: values["public-url"] ?? env.AMSTAFF_PUBLIC_URL,
    nodeId: values["node-id"] ?? env.AMSTAFF_NODE_ID,
    raftPort: values["raft-port"] ?? env.AMSTAFF_RAFT_PORT,
    raftHost: values["raft-host"] ?? env.AMSTAFF_RAFT_HOST,
    peers: values.peers ?? env.AMSTAFF_PEERS,
    advertiseUrl: values["advertise-url"] ?? env.AMSTAFF_ADVERTISE_URL,
    etcd: values.etcd ?? env.AMSTAFF_ETCD,
    etcdPrefix: values["etcd-prefix"] ?? env.AMSTAFF_ETCD_PREFIX,
    clusterHttpPort: values["cluster-http-port"] ?? env.AMSTAFF_CLUSTER_HTTP_PORT,
    incidentTickMs: values["incident-tick-ms"] ?? env.AMSTAFF_INCIDENT_TICK_MS,
    historyRawDays: values["history-raw-days"] ?? env.AMSTAFF_HISTORY_RAW_DAYS,
    historyRollupDays: values["history-rollup-days"] ?? env.AMSTAFF_HISTORY_ROLLUP_DAYS,
  });
  if (!parsed.success) {
    const flag = (key: PropertyKey | undefined) =>
      String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const issues = parsed.error.issues.map((i) => `  --${flag(i.path[0])}: ${i.message}`).join("\n");
    throw new Error(`invalid options:\n${issues}\n\n${serverUsage}`);
  }
  const { peers, etcd, etcdPrefix, historyRawDays, historyRollupDays, logFormat, ...options } = parsed.data;
  // The secret store: AMSTAFF_SECRET_* variables, a directory and grants (README, "Secrets").
  const secrets = {
    env,
    dir: values["secrets-dir"] || env.AMSTAFF_SECRETS_DIR || undefined,
    grantsFile: values["secret-grants"] || env.AMSTAFF_SECRETS_GRANTS_FILE || undefined,
    grants: env.AMSTAFF_SECRETS_GRANTS || undefined,
  };
  return {
    ...options,
    peers: Object.fromEntries(
      (peers ?? "")
        .split(",")
        .filter(Boolean)
        .map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
    ),
    join: values.join ?? false,
    ...(etcd !== undefined && { etcd: etcdOptions(etcd, etcdPrefix, values, env) }),
    ...tlsOptions(values, env),
    history: { rawDays: historyRawDays, rollupDays: historyRollupDays },
    metricsPublic: values["metrics-public"] ?? env.AMSTAFF_METRICS_PUBLIC === "1",
    secrets,
    clusterSecret: env.AMSTAFF_CLUSTER_SECRET,
    // Test-only switch for the partition test; never set it in production.
    faultInjection: env.AMSTAFF_FAULT_INJECTION === "1",
    token: env.AMSTAFF_TOKEN,
    tokens: parseNamedTokens(env.AMSTAFF_TOKENS, "AMSTAFF_TOKENS"),
    readTokens: parseNamedTokens(env.AMSTAFF_READ_TOKENS, "AMSTAFF_READ_TOKENS"),
    tokensFile: values["tokens-file"] || env.AMSTAFF_TOKENS_FILE || undefined,
    // Plugins' integrations read only the AMSTAFF_<PATH>_<SETTING> variables they declare.
    integrationEnv: env,
    logger: createLogger(options.logLevel, undefined, logFormat),
    statusPages: parseStatusPages(values["status-page"] ?? env.AMSTAFF_STATUS_PAGES),
    sqliteRoots: values["sqlite-root"] ?? (env.AMSTAFF_SQLITE_ROOTS ?? "").split(delimiter).filter(Boolean),
  };
}

/**
 * `ServerOptions.etcd` from `--etcd` and its flags: the PEM files read, the password taken from
 * `AMSTAFF_ETCD_PASSWORD` (never a flag: it would show in the process list).
 *
 * @throws AmstaffError `AMS_ERR_REQUEST_INVALID` for a file that cannot be read or a half-given pair
 */
function etcdOptions(
  endpoints: string,
  prefix: string | undefined,
  values: ServerFlags,
  env: NodeJS.ProcessEnv,
): NonNullable<ServerOptions["etcd"]> {
  const file = (name: "etcd-ca" | "etcd-cert" | "etcd-key", envName: string) => {
    const path = values[name] || env[envName] || undefined;
    return path === undefined ? undefined : readPem(path, `--${name}`, "AMS_ERR_REQUEST_INVALID");
  };
  const cert = file("etcd-cert", "AMSTAFF_ETCD_CERT");
  const key = file("etcd-key", "AMSTAFF_ETCD_KEY");
  if ((cert === undefined) !== (key === undefined)) {
    throw new AmstaffError(
      "AMS_ERR_REQUEST_INVALID",
      "An etcd client certificate needs both --etcd-cert and --etcd-key.",
    );
  }
  const user = values["etcd-user"] || env.AMSTAFF_ETCD_USER || undefined;
  return {
    endpoints: endpoints.split(","),
    prefix,
    ca: file("etcd-ca", "AMSTAFF_ETCD_CA"),
    cert,
    key,
    user,
    password: user === undefined ? undefined : env.AMSTAFF_ETCD_PASSWORD,
  };
}
