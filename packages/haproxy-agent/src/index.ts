/**
 * @lighthouse/haproxy-agent: the `haproxy` agent plugin (an HAProxy agent-check responder), its
 * config schema, and the pure functions its answers are made of.
 */
export { default as haproxyAgent } from './plugin.js';
export { HAProxyAgentConfig } from './schema.js';
export type { Threshold, WeightMap, WeightSourceConfig } from './schema.js';
export { agentReply } from './reply.js';
export { mapWeight } from './weight.js';
export { MAX_METRIC_BYTES, parseMetric } from './metric.js';
export type { ParsedMetric } from './metric.js';
