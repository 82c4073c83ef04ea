/**
 * @lighthouse/zookeeper-discovery: the `zookeeper` discovery plugin, found by core through this
 * package's `"lighthouse"` manifest. The schema is exported for typing configs; the session
 * adapter, registrations and cluster watches are internal.
 */
export { default as zookeeperDiscovery } from './plugin.js';
export { ZooKeeperConfig } from './schema.js';
