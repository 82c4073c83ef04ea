import { watchConfigDir } from '../config/index.js';
import type { ConfigChange, ConfigWatcher } from '../config/index.js';
import type { ConfigKind } from '../config/types.js';
import type { PluginResolver } from '../contracts/resolver.js';
import { formatIssue } from '../errors.js';
import type { Logger } from '../log.js';
import type { DiscoveryPool } from './discovery-pool.js';
import type { LoggingControl } from './logging-control.js';

/**
 * Follows a daemon's config directory: every change goes to `apply`, one at a time in order (the
 * watcher awaits each before the next); a rejected file is logged with where and why, and its
 * previous version stays in force. Resolves once the files present at start have been applied.
 */
export async function followConfigDir(options: {
  dir: string;
  kinds: readonly ConfigKind[];
  resolver: PluginResolver;
  logger: Logger;
  apply: (change: ConfigChange) => Promise<void>;
}): Promise<ConfigWatcher> {
  const { logger } = options;
  return watchConfigDir({
    dir: options.dir,
    kinds: options.kinds,
    resolver: options.resolver,
    log: logger,
    onChange: (change) => options.apply(change),
    onIssues: (file, issues) => {
      for (const issue of issues) {
        logger.error(`config rejected, previous version stays in force: ${formatIssue(issue)}`, {
          file,
        });
      }
      if (issues.length === 0) logger.info('config problems cleared', { file });
    },
  });
}

/**
 * Applies what both engines treat alike — `logging.yaml` and `discovery/*.yaml` — and says
 * whether `change` was one of those.
 */
export async function applySharedChange(
  change: ConfigChange,
  logging: LoggingControl,
  pool: DiscoveryPool,
): Promise<boolean> {
  const entry = change.type === 'remove' ? change.previous : change.entry;
  if (entry.kind === 'logging') {
    logging.apply(change.type === 'remove' ? undefined : entry.value);
    return true;
  }
  if (entry.kind !== 'discovery') return false;
  if (change.type === 'remove') await pool.remove(entry.name);
  else await pool.set(entry.value);
  return true;
}
