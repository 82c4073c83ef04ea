/**
 * @lighthouse/haproxy-agent: the `haproxy` agent plugin (an HAProxy agent-check responder), found
 * by core through this package's `"lighthouse"` manifest, and its config schema. How answers are
 * made (reply, weight map, metric parsing) is internal.
 */
export { default as haproxyAgent } from './plugin.js';
export { HAProxyAgentConfig } from './schema.js';
export type { Threshold, WeightMap, WeightSourceConfig } from './schema.js';
