import { defineDiscovery } from '@lighthouse/core';
import { ZooKeeperDiscovery } from './discovery.js';
import { ZooKeeperConfig } from './schema.js';

/**
 * The `zookeeper` discovery plugin (`discovery/zookeeper.yaml`): ephemeral znodes at
 * `<path>/<service>/<host>:<port>` with lighthouse 1.0's payload, so 1.0 and 2.x machines can
 * share a fleet during a migration.
 */
export default defineDiscovery({
  name: 'zookeeper',
  description:
    'ZooKeeper: ephemeral znodes at <path>/<service>/<host>:<port>, wire-compatible with lighthouse 1.0.',
  configSchema: ZooKeeperConfig,
  create: (config, context) => new ZooKeeperDiscovery(config, context),
});
