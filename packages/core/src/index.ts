/**
 * @lighthouse/core — what a plugin author needs: the `define*` factories and the contracts they
 * implement, the model and its wire codec, validators for names and addresses, errors, logging,
 * and the small async primitives the first-party plugins are built from. Hosts (the CLI, an
 * embedder running the engines) import `@lighthouse/core/engine`.
 */
export {
  defineAgent,
  defineBalancer,
  defineCheck,
  defineDiscovery,
  PLUGIN_API_VERSION,
  PluginKinds,
} from './define.js';
export type {
  AgentPlugin,
  AnyPlugin,
  BalancerPlugin,
  CheckPlugin,
  DiscoveryPlugin,
  PluginConfigIssue,
  PluginKind,
  PluginOf,
} from './define.js';
export type { PluginContext } from './contracts/context.js';
export type { Check, CheckContext, CheckResult, CheckTarget } from './contracts/check.js';
export type {
  Discovery,
  DiscoveryReport,
  NodesListener,
  Registration,
} from './contracts/discovery.js';
export type { Balancer, BalancerReport, ClusterState } from './contracts/balancer.js';
export type {
  CounterMetric,
  GaugeMetric,
  HistogramMetric,
  HistogramSpec,
  MetricLabels,
  Metrics,
  MetricSpec,
} from './contracts/metrics.js';
export { noopMetrics } from './metrics/noop.js';
export type { Agent, AgentContext, AgentPortState } from './contracts/agent.js';

export { compareText, nodeKey, nodeName, nodeProblem, sortNodes } from './model/node.js';
export type { Metadata, Node, Peer } from './model/node.js';
export {
  hasControlCharacter,
  hostProblem,
  ipProblem,
  nameProblem,
  portProblem,
  printable,
} from './model/names.js';
export { decodeNode, encodeNode, MAX_PAYLOAD_BYTES } from './model/codec.js';
export type { DecodeResult } from './model/codec.js';

export {
  ConfigError,
  describeError,
  ErrorCode,
  formatIssue,
  issueSuggestions,
  InternalError,
  isLighthouseError,
  isPluginError,
  LighthouseError,
  networkFailureReason,
  PayloadError,
  PluginError,
} from './errors.js';
export type { ConfigIssue, LighthouseErrorOptions, PluginErrorDetails } from './errors.js';
export { debugFor, silentLogger } from './log.js';
export type { Debugger, LogFields, Logger } from './log.js';

export { cleanExec, NOT_EXECUTED } from './clean-exec.js';
export type { CleanCommand } from './clean-exec.js';
export { probeConnection } from './probe-connection.js';
export type { ProbeConnection } from './probe-connection.js';
export { closestMatch } from './did-you-mean.js';
export { isRecord } from './is-record.js';
export { Backoff } from './async/backoff.js';
export { CoalescingTimer } from './async/coalescing-timer.js';
export type { CoalescingWindow } from './async/coalescing-timer.js';
export { PassLoop } from './async/pass-loop.js';
export type { PassLoopOptions } from './async/pass-loop.js';
export { SerialQueue } from './async/serial-queue.js';
