export { default as zookeeperDiscovery } from './plugin.js';
export { ZooKeeperConfig } from './schema.js';
export { ZooKeeperDiscovery } from './discovery.js';
export { ZooKeeperSession } from './session.js';
export type { ConnectedListener, SessionOptions, SessionState } from './session.js';
export { ZooKeeperError } from './native-client.js';
export type { Stat, WatchEvent, Watcher } from './native-client.js';
