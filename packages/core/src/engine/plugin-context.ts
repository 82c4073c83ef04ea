import type { PluginContext } from '../contracts/context.js';
import type { PluginKind } from '../define.js';
import { debugFor } from '../log.js';
import type { Logger } from '../log.js';

/** The context every plugin instance gets: `lighthouse:plugin:<kind>:<name>` and a tagged logger. */
export function pluginContext(kind: PluginKind, name: string, logger: Logger): PluginContext {
  return {
    debug: debugFor(`plugin:${kind}:${name}`),
    log: logger.child({ plugin: `${kind}/${name}` }),
  };
}
