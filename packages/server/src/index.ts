export type { Principal, Role } from "./access/access.js";
export { defaultTeam, roles } from "./access/access.js";
export type { SecretGrants } from "./access/secretGrants.js";
export { globMatches, secretGrantsSchema } from "./access/secretGrants.js";
export type { SecretReferenceWarning } from "./access/secretReferences.js";
export { secretReferenceWarnings } from "./access/secretReferences.js";
export type { SecretStoreOptions } from "./access/secretStore.js";
export { SecretStore, secretEnvPrefix } from "./access/secretStore.js";
export type { TokenSource } from "./access/token.js";
export type { TokenEntry } from "./access/tokensFile.js";
export {
  createTokenEntry,
  hashToken,
  readTokensFile,
  revokeTokenEntry,
  tokensFileSchema,
} from "./access/tokensFile.js";
export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export type {
  CertificateNode,
  ClusterCertificates,
  ClusterCertificatesOptions,
} from "./cluster/certs.js";
export { createClusterCertificates } from "./cluster/certs.js";
export type { ClusterTlsFiles } from "./cluster/clusterHttp.js";
export type { EtcdEngineOptions } from "./cluster/etcd/etcdEngine.js";
export type { EtcdLogOptions } from "./cluster/etcd/etcdLog.js";
export { EtcdLog } from "./cluster/etcd/etcdLog.js";
export type { RaftLogOptions } from "./cluster/raftLog.js";
export { migrateSqliteLog, RaftLog } from "./cluster/raftLog.js";
export type { ClusterTiming } from "./cluster/timing.js";
export { defaultClusterTiming } from "./cluster/timing.js";
export type { OverviewRow } from "./http/dashboard/overviewRow.js";
export type { PublicStatus, StatusPageSelection } from "./http/dashboard/statusPage.js";
export { parseStatusPages } from "./http/dashboard/statusPage.js";
export { errorResponse, httpStatusOf } from "./http/httpErrors.js";
export type { IntegrationSettings } from "./http/integrations.js";
export type { ExportDocument } from "./http/routes/export.js";
export { exportDocumentSchema, exportFormat, exportVersion } from "./http/routes/export.js";
export type { LogFormat } from "./logger.js";
export { createLogger } from "./logger.js";
export type { AmstaffServer, ServerOptions } from "./options.js";
export type { Discovery, DiscoveryProblem } from "./plugins/discovery.js";
export { discoverPlugins, pluginPackagePattern } from "./plugins/discovery.js";
export type { SecretResolver } from "./plugins/plugins.js";
export { builtinPlugins, PluginRegistry } from "./plugins/plugins.js";
export type { HistoryBucket, HistoryPage, HistoryRange, HistorySample } from "./runtime/historyPage.js";
export type { LatenessSummary } from "./runtime/latenessHistogram.js";
export type { RetryPolicy } from "./runtime/retryPolicy.js";
export { defaultRetryPolicy } from "./runtime/retryPolicy.js";
export type { Job, SchedulerOptions, SchedulerStats } from "./runtime/scheduler.js";
export { Scheduler } from "./runtime/scheduler.js";
export { startServer } from "./server.js";
export type {
  Actor,
  AuditEntry,
  Command,
  DeliveryRecord,
  MemberRecord,
  MonitorRecord,
  OwnershipGrant,
  StoredModule,
  TransitionRecord,
} from "./state/commands.js";
export { commandSchema } from "./state/commands.js";
export type { ReplicatedLog } from "./state/replicatedLog.js";
export type { SqliteLogOptions } from "./state/sqliteLog.js";
export { SqliteLog } from "./state/sqliteLog.js";
export type { ApplyListener, ApplyResult } from "./state/stateMachine.js";
export { StateMachine } from "./state/stateMachine.js";
export { version } from "./version.js";
