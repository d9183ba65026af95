export type { Principal, Role } from "./access.js";
export { defaultTeam, roles } from "./access.js";
export type {
  CertificateNode,
  ClusterCertificates,
  ClusterCertificatesOptions,
} from "./certs.js";
export { createClusterCertificates } from "./certs.js";
export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export type { ClusterTiming } from "./cluster.js";
export { defaultClusterTiming } from "./cluster.js";
export type { ClusterTlsFiles } from "./clusterHttp.js";
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
} from "./commands.js";
export { commandSchema } from "./commands.js";
export type { OverviewRow } from "./dashboard/overviewRow.js";
export type { PublicStatus, StatusPageSelection } from "./dashboard/statusPage.js";
export { parseStatusPages } from "./dashboard/statusPage.js";
export type { RetryPolicy } from "./deliveryWorker.js";
export { defaultRetryPolicy } from "./deliveryWorker.js";
export type { Discovery, DiscoveryProblem } from "./discovery.js";
export { discoverPlugins, pluginPackagePattern } from "./discovery.js";
export { errorResponse, httpStatusOf } from "./httpErrors.js";
export type { IntegrationSettings } from "./integrations.js";
export type { LatenessSummary } from "./latenessHistogram.js";
export type { SecretResolver } from "./plugins.js";
export { builtinPlugins, PluginRegistry } from "./plugins.js";
export type { RaftLogOptions } from "./raftLog.js";
export { migrateSqliteLog, RaftLog } from "./raftLog.js";
export type { ReplicatedLog } from "./replicatedLog.js";
export type { HistoryBucket, HistoryPage, HistoryRange, HistorySample } from "./sampleHistory.js";
export type { Job, SchedulerOptions, SchedulerStats } from "./scheduler.js";
export { Scheduler } from "./scheduler.js";
export type { SecretGrants, SecretReferenceWarning, SecretStoreOptions } from "./secretStore.js";
export {
  globMatches,
  SecretStore,
  secretEnvPrefix,
  secretGrantsSchema,
  secretReferenceWarnings,
} from "./secretStore.js";
export type { AmstaffServer, LogFormat, ServerOptions } from "./server.js";
export { createLogger, startServer } from "./server.js";
export type { SqliteLogOptions } from "./sqliteLog.js";
export { SqliteLog } from "./sqliteLog.js";
export type { ApplyListener, ApplyResult } from "./stateMachine.js";
export { StateMachine } from "./stateMachine.js";
export type { TokenSource } from "./token.js";
export type { TokenEntry } from "./tokensFile.js";
export {
  createTokenEntry,
  hashToken,
  readTokensFile,
  revokeTokenEntry,
  tokensFileSchema,
} from "./tokensFile.js";
export { version } from "./version.js";
