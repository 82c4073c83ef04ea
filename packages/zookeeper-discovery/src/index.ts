export { default as zookeeperDiscovery } from './plugin.js';
export { ZooKeeperConfig } from './schema.js';
