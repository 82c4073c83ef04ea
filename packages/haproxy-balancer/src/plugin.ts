import { defineBalancer } from '@lighthouse/core';
import { createBalancer } from './balancer.js';
import { HAProxyClusterConfig, HAProxyConfig } from './schema.js';
import { validateClusterSection, validateHAProxyConfig } from './validate.js';

/**
 * The `haproxy` balancer plugin: schemas and directive validation for `balancers/haproxy.yaml`
 * and the `haproxy:` section of cluster files, and the balancer that runs HAProxy.
 */
export default defineBalancer({
  name: 'haproxy',
  description: 'HAProxy 2.x: generated config, runtime API for membership, seamless reloads.',
  configSchema: HAProxyConfig,
  clusterSchema: HAProxyClusterConfig,
  validateConfig: validateHAProxyConfig,
  validateClusterConfig: validateClusterSection,
  create: (config, context) => createBalancer(config, context.log, context.metrics),
});
