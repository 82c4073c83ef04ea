import { defineDiscovery, ErrorCode, LighthouseError } from '@lighthouse/core';
import { ZooKeeperConfig } from './schema.js';

/**
 * The `zookeeper` discovery plugin. This release validates `discovery/zookeeper.yaml` (so
 * `lighthouse validate` and editors can check it); the session adapter, watches and
 * registrations arrive with the zookeeper client integration, and until then `create` refuses
 * clearly instead of pretending to register anything.
 */
export default defineDiscovery({
  name: 'zookeeper',
  description: 'ZooKeeper: ephemeral znodes at <path>/<service>/<host>:<port>, wire-compatible with lighthouse 1.0.',
  configSchema: ZooKeeperConfig,
  create: () => {
    throw new LighthouseError(ErrorCode.Unavailable, 'the zookeeper discovery is not implemented in this build yet: only its configuration can be validated', {
      suggestions: ['run `lighthouse validate <config-dir>` to check configs; daemons need a build with the zookeeper client'],
    });
  },
});
