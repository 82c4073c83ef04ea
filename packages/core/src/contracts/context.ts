import type { Debugger, Logger } from '../log.js';
import type { Metrics } from './metrics.js';

/** What core hands every plugin instance it creates. */
export interface PluginContext {
  /** A `debug` instance namespaced `lighthouse:plugin:<kind>:<name>`. */
  debug: Debugger;
  /** The daemon logger, with the plugin's identity in its fields. */
  log: Logger;
  /** The daemon's metrics (exported only when its config sets `metrics.listen`). */
  metrics: Metrics;
}
