export type {
  Acknowledgement,
  AlertDecision,
  AlertEvent,
  AlertPolicy,
  AlertState,
  HandlerRouting,
  IncidentState,
} from "./alerting.js";
export { decideAlerts, incidentView, incidentWorst } from "./alerting.js";
export { certificateAuthoritySchema, requirePemCertificate } from "./certificateAuthority.js";
export type { AmstaffErrorCode, AmstaffErrorOptions } from "./errors.js";
export { AmstaffError, describeError, errorCodes, isAmstaffError } from "./errors.js";
export type { EvaluationPolicy, MonitorState, RecentSample, StatusChange } from "./evaluation.js";
export {
  changeRate,
  countedStatus,
  evaluate,
  evaluationPolicyOf,
  initialMonitorState,
} from "./evaluation.js";
export type { Groupable } from "./grouping.js";
export { groupLabels, groupSendAt } from "./grouping.js";
export type {
  DeliveryReceipt,
  GroupedNotification,
  NotificationGroup,
  NotifyContext,
  SampleHandler,
} from "./handler.js";
export type { HttpStatusClass } from "./httpStatus.js";
export { classifyHttpStatus, redactSecrets } from "./httpStatus.js";
export type {
  HeartbeatInbox,
  HeartbeatPing,
  HeartbeatPingKind,
  HeartbeatPingOutcome,
  InboundLogger,
  InboundMethod,
  InboundRequest,
  InboundResponse,
  InboundRoute,
  InboundRoutes,
  IncidentAcknowledgement,
  Integration,
  IntegrationHost,
} from "./inbound.js";
export { integrationPathPattern, integrationSettingVariable } from "./inbound.js";
export type { LinearPattern } from "./linearPattern.js";
export {
  compileLinearPattern,
  linearPatternFlagsSchema,
  linearPatternSchema,
  maxLinearPatternLength,
} from "./linearPattern.js";
export type {
  FlappingRule,
  HandlerGroup,
  HandlerSpec,
  MaintenanceWindow,
  ModuleDefinition,
  MonitorDefinition,
  OpenRule,
  Route,
  Scope,
  UnknownPolicy,
  WindowTiming,
} from "./moduleDefinition.js";
export {
  flappingRuleSchema,
  handlerGroupSchema,
  handlerSpecSchema,
  maintenanceWindowSchema,
  moduleDefinitionSchema,
  monitorDefinitionSchema,
  notifyOnSchema,
  openRuleSchema,
  pluginSpecSchema,
  routeSchema,
  scopeSchema,
  shareDefinitionParts,
  unknownPolicySchema,
  windowTimingSchema,
} from "./moduleDefinition.js";
export type {
  DescribeNetworkErrorOptions,
  NetworkErrorDescription,
  NetworkErrorKind,
} from "./networkError.js";
export { abortReason, describeNetworkError, errorCodesOf } from "./networkError.js";
export { defaultMessageTemplate, defaultTitleTemplate, statusSummary } from "./notificationText.js";
export type {
  FileAccess,
  FileResolution,
  HandlerPlugin,
  HeartbeatRecord,
  HeartbeatView,
  PluginBuilder,
  PluginDescriptor,
  PluginHost,
  PluginSpec,
  SamplerCreateContext,
  SamplerPlugin,
} from "./plugin.js";
export { defineHandlerPlugin, defineSamplerPlugin, formatIssues, parsePluginOptions } from "./plugin.js";
export type { ProbeDeadline, RunProbeOptions } from "./probe.js";
export { ProbeController, probeDeadline, runProbe } from "./probe.js";
export type { Recovery } from "./recovery.js";
export { isResolve, recoveryOf } from "./recovery.js";
export { maxRetryAfterMs, parseRetryAfter } from "./retryAfter.js";
export type { JsonValue, SampleResult, SampleResultInit } from "./sampleResult.js";
export { results, sampleResultSchema } from "./sampleResult.js";
export type { ProbeContext, Sampler } from "./sampler.js";
export type { CronSchedule, Duration, DurationUnit, IntervalSchedule, Schedule } from "./schedule.js";
export { isDuration, minimumIntervalMs, parseDuration, scheduleSchema } from "./schedule.js";
export type { ScheduledSampling } from "./scheduledSampling.js";
export type {
  Resolved,
  SecretAccess,
  SecretCheck,
  SecretRef,
  SecretRequester,
  SecretSource,
} from "./secret.js";
export {
  isSecretRef,
  resolveSecrets,
  secretNamePattern,
  secretNames,
  secretRefSchema,
  stringOrSecret,
} from "./secret.js";
export type { MonitorStatus, SampleStatus } from "./status.js";
export { compareStatus, isFailing, sampleStatuses, worstStatus } from "./status.js";
export type { Silence, SuppressionContext } from "./suppression.js";
export { inScope, openWindow, silenceSchema, suppressionOf, windowOpen } from "./suppression.js";
export type { TemplateVariable } from "./template.js";
export {
  formatDuration,
  jsonTemplateSchema,
  renderJsonTemplate,
  renderTemplate,
  templateSchema,
  templateValues,
  templateVariables,
  unknownTemplateVariables,
} from "./template.js";
export type { Thresholds } from "./thresholds.js";
export { checkThresholds, latencyThresholdsSchema } from "./thresholds.js";
export type { Incident, NotificationKind, Transition } from "./transition.js";
