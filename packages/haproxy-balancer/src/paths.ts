import { cachePath } from './outage-cache.js';
import type { HAProxyConfig } from './schema.js';

/** Paths and settings derived from haproxy.yaml. */
export interface BalancerPaths {
  configFile: string;
  cacheFile: string;
  masterSocket: string;
  stderrFile: string;
}

/** Where the balancer keeps its files; `master_socket` defaults to `<socket_file>.master`. */
export function balancerPaths(config: HAProxyConfig): BalancerPaths {
  return {
    configFile: config.config_file,
    cacheFile: cachePath(config.config_file),
    masterSocket: config.master_socket ?? `${config.socket_file}.master`,
    stderrFile: `${config.config_file}.stderr.log`,
  };
}
