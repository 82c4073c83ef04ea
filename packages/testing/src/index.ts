/**
 * @lighthouse/testing: helpers for lighthouse's own tests and for plugin authors.
 */
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export {
  MemoryDiscoveryBackend,
  MemoryDiscoveryConfig,
  memoryDiscoveryPlugin,
} from './memory-discovery.js';
export {
  BalancerRecorder,
  RecordingBalancerConfig,
  RecordingClusterConfig,
  recordingBalancerPlugin,
} from './recording-balancer.js';
export { createTempConfigDir, createTempDir, createTempProject } from './temp-dir.js';
export type { FileContent, TempDir } from './temp-dir.js';
export {
  checkPluginProblems,
  describeCheckPlugin,
  listenLoopback,
  missingDescriptions,
  performCheck,
  refusedTarget,
  startTcpServer,
} from './check-conformance.js';
export type {
  CheckConformanceOptions,
  HealthySetup,
  PerformCheckOptions,
  TestServer,
} from './check-conformance.js';
export { freePort } from './free-port.js';
export { spawnClean } from './spawn-clean.js';
export type { CleanSpawnOptions } from './spawn-clean.js';
export { loopbackHAProxyYaml } from './writer-config.js';
export type { HAProxyFiles } from './writer-config.js';
export { startZooKeeper, startZooKeeperEnsemble, zooKeeperCommand } from './zookeeper-server.js';
export type {
  ZooKeeperEnsemble,
  ZooKeeperMember,
  ZooKeeperOptions,
  ZooKeeperServer,
} from './zookeeper-server.js';
export { startRedis } from './redis-server.js';
export type { RedisServer } from './redis-server.js';
export { startHAProxy } from './haproxy-server.js';
export type { HAProxyOptions, HAProxyServer } from './haproxy-server.js';
export { recordingLogger } from './recording-logger.js';
export type { RecordedLevel, RecordedLine, RecordingLogger } from './recording-logger.js';
export { recordingMetrics, seriesKey } from './recording-metrics.js';
export type { MetricCall, RecordedMetric, RecordingMetrics } from './recording-metrics.js';
