/**
 * @lighthouse/testing: helpers for lighthouse's own tests and for plugin authors.
 */
export * from './wait-for.js';
export * from './memory-discovery.js';
export * from './recording-balancer.js';
export * from './temp-dir.js';
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
export * from './free-port.js';
export * from './zookeeper-server.js';
export * from './redis-server.js';
