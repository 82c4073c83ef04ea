import { watchConfigDir } from '../config/index.js';
import type { ConfigChange, ConfigWatcher } from '../config/index.js';
import type { ConfigKind } from '../config/types.js';
import type { PluginResolver } from '../contracts/resolver.js';
import { formatIssue } from '../errors.js';
import type { Logger } from '../log.js';
import { SerialQueue } from './serial.js';

/**
 * Follows a daemon's config directory: every change goes to `apply`, one at a time in order;
 * a rejected file is logged with where and why, and its previous version stays in force.
 * Resolves once the files present at start have been applied.
 */
export async function followConfigDir(options: {
  dir: string;
  kinds: readonly ConfigKind[];
  resolver: PluginResolver;
  logger: Logger;
  apply: (change: ConfigChange) => Promise<void>;
}): Promise<ConfigWatcher> {
  const { logger } = options;
  const queue = new SerialQueue();
  const watcher = await watchConfigDir({
    dir: options.dir,
    kinds: options.kinds,
    resolver: options.resolver,
    log: logger,
    onChange: (change) => queue.run(() => options.apply(change)),
    onIssues: (file, issues) => {
      for (const issue of issues) {
        logger.error(`config rejected, previous version stays in force: ${formatIssue(issue)}`, {
          file,
        });
      }
      if (issues.length === 0) logger.info('config problems cleared', { file });
    },
  });
  await queue.idle();
  return {
    current: () => watcher.current(),
    close: async () => {
      await watcher.close();
      await queue.idle();
    },
  };
}
