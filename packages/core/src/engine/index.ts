/**
 * @lighthouse/core/engine — what a host needs to run lighthouse: the Writer and Reporter engines,
 * a one-shot render, the config directory (load, validate, watch, JSON Schemas), the plugin
 * registry and resolvers, and the daemon logger. Plugin authors need none of it.
 */
export { Writer } from './writer.js';
export type { WriterOptions } from './writer.js';
export type {
  WriterBalancerStatus,
  WriterClusterStatus,
  WriterDiscoveryStatus,
  WriterMember,
  WriterStatus,
  WriterSyncStatus,
} from './writer-status.js';
export { Reporter } from './reporter.js';
export type { ReporterOptions, ReporterPortStatus, ReporterStatus } from './reporter.js';
export { loadReporterSetup, loadWriterSetup } from './reporter-setup.js';
export type { ReporterSetup, WriterSetup } from './reporter-setup.js';
export { maintenanceDir, reporterSocket, writerSocket } from './state-paths.js';
export { askDaemon, startControlSocket } from './control-socket.js';
export { startHealthProxy } from './health-proxy.js';
export type { HealthProxy, HealthProxyOptions, PortHealth } from './health-proxy.js';
export type { ControlSocket, StatusSource } from './control-socket.js';
export {
  ALL,
  effectiveMaintenance,
  formatDuration,
  nextExpiry,
  parseDuration,
  readMaintenance,
  removeMaintenance,
  targetProblem,
  writeMaintenance,
} from '../maintenance/index.js';
export type {
  MaintenanceEntry,
  MaintenanceIssue,
  MaintenanceMode,
  MaintenanceState,
} from '../maintenance/index.js';
export type { CheckStatus, PortStatus } from './port-monitor.js';
export type { Advertised } from './advertise.js';
export { defaultAdvertisedHost, defaultAdvertisedIp } from './advertise.js';
export { renderOnce } from './render-once.js';
export type { RenderedBalancer, RenderOnceOptions, RenderOnceResult } from './render-once.js';
export { runCheck } from './run-check.js';
export type { CheckOutcome, Settled } from './run-check.js';
export { CREATE_TIMEOUT_MS, instantiate } from './instantiate.js';
export type { InstanceSpec } from './instantiate.js';

export { ConfigKinds } from '../config/types.js';
export { DEFAULT_STATE_DIR } from '../config/schemas.js';
export type {
  BalancerConfig,
  ClusterConfig,
  ConfigEntry,
  ConfigKind,
  DiscoveryConfig,
  LoggingConfig,
  ReporterConfig,
  ServiceCheckConfig,
  ServiceConfig,
  WriterConfig,
} from '../config/types.js';
export { loadConfigDir } from '../config/load-dir.js';
export { hasConfigLayout } from '../config/layout.js';
export type { LoadConfigDirOptions, LoadedConfigDir } from '../config/load-dir.js';
export { loadConfigFile } from '../config/load-file.js';
export type { LoadFileResult } from '../config/load-file.js';
export { watchConfigDir } from '../config/watch.js';
export type { ConfigWatcher, WatchConfigDirOptions } from '../config/watch.js';
export type { ConfigChange } from '../config/diff-entries.js';
export { configJsonSchemas } from '../config/json-schema.js';
export { validateCheckConfig } from '../config/validate-check-config.js';

export { PluginRegistry } from '../plugins/registry.js';
export type { PluginStatus } from '../plugins/registry.js';
export { createStaticResolver } from '../plugins/static.js';
export { isImportEcho } from '../plugins/import-echo.js';
export type { DiscoverOptions } from '../plugins/discover.js';
export type { PluginEntry, PluginPackage } from '../plugins/types.js';
export { PluginManifest } from '../plugins/manifest.js';
export { ALL_PLUGINS_PACKAGE, FIRST_PARTY_PLUGINS } from '../plugins/first-party.js';
export type { PluginTarget } from '../plugins/manifest.js';
export { pluginShapeProblems } from '../plugins/shape.js';
export type { PluginResolver } from '../contracts/resolver.js';

export { createLogger, LogFormats, LogLevels } from '../log.js';
export type { CreateLoggerOptions, LogFormat, LogLevel, LogSink } from '../log.js';
export { renderError } from '../render-error.js';
export {
  createMetrics,
  DEFAULT_HISTOGRAM_BUCKETS,
  startMetricsExporter,
  type CreateMetricsOptions,
  type MetricsExporter,
  type MetricsExporterOptions,
  type MetricsRegistry,
  type MetricsSource,
} from '../metrics/index.js';
