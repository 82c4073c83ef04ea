import { describeError } from '@lighthouse/core';
import type { Logger, Node } from '@lighthouse/core';
import { ClusterMemo } from './cluster-memo.js';
import { cacheText, encodedNodes } from './outage-cache.js';
import { BackgroundFile } from './process/background-file.js';

/**
 * What the balancer keeps on disk of what HAProxy runs: haproxy.cfg (for the next reload, whoever
 * does it) and the outage cache (for a restarted writer). Both are written in the background
 * (process/background-file.ts), at most every {@link FILE_WRITE_INTERVAL_MS} while changes keep
 * coming; the runtime commands of a sync, which route the traffic, never wait for them.
 */

/**
 * How often haproxy.cfg and the outage cache are rewritten at most while changes keep coming: the
 * file HAProxy would reload lags what it runs by this much (a reload of the writer's own flushes
 * first), and a deploy's burst costs a few writes instead of two per change.
 */
export const FILE_WRITE_INTERVAL_MS = 500;

/** The applied config as the outage cache records it. */
export interface AppliedConfig {
  hash: string;
  structure: string;
  text: string;
  /** Fingerprint of the `peers` HAProxy runs: may lag `text` (peers alone reload later). */
  peers: string;
}

/** What the outage cache records of the applied config: a change of either rewrites it. */
export function cacheKey(applied: AppliedConfig): string {
  return `${applied.hash} ${applied.peers}`;
}

export class AppliedFiles {
  private readonly config: BackgroundFile;
  private readonly cache: BackgroundFile;
  /** {@link cacheKey} of what the outage cache last recorded. */
  private cachedKey: string | undefined;
  /** Each cluster's outage-cache entry, re-encoded only when its nodes change. */
  private readonly cacheEntries = new ClusterMemo<string>();

  /** `onDisk`: the applied config both files hold now, as createBalancer found them. */
  constructor(
    paths: { configFile: string; cacheFile: string },
    log: Logger,
    onDisk: AppliedConfig | undefined,
  ) {
    this.config = new BackgroundFile(paths.configFile, FILE_WRITE_INTERVAL_MS, (error) =>
      log.warn('could not write the HAProxy config file; HAProxy runs the change regardless', {
        file: paths.configFile,
        error: describeError(error),
        retry: 'at the next sync',
      }),
    );
    this.cache = new BackgroundFile(paths.cacheFile, FILE_WRITE_INTERVAL_MS, (error) => {
      this.cachedKey = undefined;
      log.warn('could not write the outage cache', {
        file: paths.cacheFile,
        error: describeError(error),
      });
    });
    if (onDisk !== undefined) {
      this.config.wrote(onDisk.text);
      this.cachedKey = cacheKey(onDisk);
    }
  }

  /** haproxy.cfg as HAProxy now runs it, after runtime changes (asked every sync: a failed write is retried). */
  configChanged(text: string): void {
    this.config.update(text);
  }

  /** Before a reload or start installs the file itself: no older background write may follow. */
  async beforeInstall(): Promise<void> {
    await this.config.flush();
  }

  /** A reload or start installed `text`. */
  installed(text: string): void {
    this.config.wrote(text);
  }

  /**
   * Records the applied topology in the outage cache. Rewritten only when the rendered body
   * changed: what is not rendered (other metadata) is not needed to serve during an outage.
   */
  applied(applied: AppliedConfig, clusters: ReadonlyMap<string, readonly Node[]>): void {
    const key = cacheKey(applied);
    if (key === this.cachedKey) return;
    const { hash, structure, peers } = applied;
    this.cachedKey = key;
    // Made when written (at most every FILE_WRITE_INTERVAL_MS), not at every change: a fleet
    // writer spent a tenth of its CPU making cache texts a burst then skipped.
    this.cache.update(() => {
      const text = cacheText({ hash, structure, peers, clusters }, (name, nodes) =>
        this.cacheEntries.get(name, [nodes], () => encodedNodes(nodes)),
      );
      this.cacheEntries.endGeneration();
      return text;
    });
  }

  /** Resolves once both files hold what was last given. */
  async flush(): Promise<void> {
    await Promise.all([this.config.flush(), this.cache.flush()]);
  }
}
