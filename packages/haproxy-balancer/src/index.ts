/**
 * @lighthouse/haproxy-balancer: the `haproxy` balancer plugin, found by core through this
 * package's `"lighthouse"` manifest. The schemas are exported for typing configs; the renderer,
 * planner, runtime-API client and process control are internal.
 */
export { default as haproxyBalancer } from './plugin.js';
export { HAProxyClusterConfig, HAProxyConfig } from './schema.js';
