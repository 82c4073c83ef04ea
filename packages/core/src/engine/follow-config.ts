import { watchConfigDir } from '../config/index.js';
import type { ConfigChange, ConfigWatcher } from '../config/index.js';
import { configFileRef } from '../config/layout.js';
import type { ConfigKind } from '../config/types.js';
import type { Metrics } from '../contracts/metrics.js';
import type { PluginResolver } from '../contracts/resolver.js';
import { formatIssue, issueSuggestions } from '../errors.js';
import type { Logger } from '../log.js';
import type { DiscoveryPool } from './discovery-pool.js';
import type { LoggingControl } from './logging-control.js';

/**
 * Follows a daemon's config directory: every change goes to `apply`, one at a time in order (the
 * watcher awaits each before the next); a rejected file is logged with where and why, and counted
 * in `lighthouse_config_rejections_total`, and its previous version, if it had one, stays in
 * force (the log line says which). Resolves once the files present at start have been applied.
 */
export async function followConfigDir(options: {
  dir: string;
  daemon: 'reporter' | 'writer';
  kinds: readonly ConfigKind[];
  resolver: PluginResolver;
  logger: Logger;
  metrics: Metrics;
  apply: (change: ConfigChange) => Promise<void>;
}): Promise<ConfigWatcher> {
  const { logger, daemon } = options;
  const rejections = options.metrics.counter({
    name: 'lighthouse_config_rejections_total',
    help: 'Config files that did not parse or validate (each time one was read so), by daemon and kind of file; a previous version, if any, stays in force.',
    labelNames: ['daemon', 'kind'],
  });
  // Every series exists from the start, so increase() sees the first rejection.
  for (const kind of options.kinds) rejections.inc({ daemon, kind }, 0);
  return watchConfigDir({
    dir: options.dir,
    kinds: options.kinds,
    resolver: options.resolver,
    log: logger,
    onChange: (change) => options.apply(change),
    onIssues: (file, issues, inForce) => {
      // At start-up, or for a file that never passed, there is no previous version to keep.
      const consequence = inForce
        ? 'config rejected, previous version stays in force'
        : 'config rejected; nothing from this file is in force';
      for (const issue of issues) logger.error(`${consequence}: ${formatIssue(issue)}`, { file });
      for (const suggestion of issueSuggestions(issues))
        logger.error(`Try this: ${suggestion}`, { file });
      if (issues.length > 0)
        rejections.inc({ daemon, kind: configFileRef(file)?.kind ?? 'unknown' });
      else logger.info('config problems cleared', { file });
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
