import { describeError } from '@lighthouse/core';
import type { Logger, Node } from '@lighthouse/core';
import { ClusterMemo } from './cluster-memo.js';
import { cacheText, encodedNodes } from './outage-cache.js';
import type { EncodedNodes } from './outage-cache.js';
import { BackgroundFile } from './process/background-file.js';
import { sameFile } from './render.js';
import type { RenderResult } from './render.js';
import type { Content } from './process/background-file.js';

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

/** The applied config as the outage cache records it; `hash` and `text` may be made when read. */
export interface AppliedConfig {
  readonly hash: string;
  readonly structure: string;
  readonly text: string;
  /** Fingerprint of the `peers` HAProxy runs: may lag `text` (peers alone reload later). */
  readonly peers: string;
  /** The render it came from (undefined: read from disk at start-up), to compare cheaply. */
  readonly render?: RenderResult;
}

/** The applied config of a render, its text and hash composed when first read. */
export function appliedFrom(render: RenderResult, structure: string, peers: string): AppliedConfig {
  return {
    get hash() {
      return render.hash;
    },
    get text() {
      return render.text;
    },
    structure,
    peers,
    render,
  };
}

/**
 * Whether `applied` holds the file `render` makes. Composing the file (and its sha256) at every
 * sync to compare was a fifth of a fleet writer's CPU: renders are compared piece by piece.
 */
export function holdsRender(applied: AppliedConfig | undefined, render: RenderResult): boolean {
  if (applied === undefined) return false;
  return applied.render === undefined
    ? applied.text === render.text
    : sameFile(applied.render, render);
}

export class AppliedFiles {
  private readonly config: BackgroundFile;
  private readonly cache: BackgroundFile;
  /** What the outage cache last recorded (or is about to). */
  private recorded: AppliedConfig | undefined;
  /** Each cluster's outage-cache entry, re-encoded only when its nodes change. */
  private readonly cacheEntries = new ClusterMemo<EncodedNodes>();

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
      this.recorded = undefined;
      log.warn('could not write the outage cache', {
        file: paths.cacheFile,
        error: describeError(error),
      });
    });
    if (onDisk !== undefined) {
      this.config.wrote(onDisk.text);
      this.recorded = onDisk;
    }
  }

  /**
   * haproxy.cfg as HAProxy now runs it, after runtime changes (asked every sync: a failed write is
   * retried). A function is called when the write starts: of a burst's files only those written
   * are ever composed.
   */
  configChanged(text: Content): void {
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
   * Records the applied topology in the outage cache. Rewritten only when the applied config is
   * another (the balancer replaces it when the rendered body or the peers change): what is not
   * rendered (other metadata) is not needed to serve during an outage.
   */
  applied(applied: AppliedConfig, clusters: ReadonlyMap<string, readonly Node[]>): void {
    if (applied === this.recorded) return;
    this.recorded = applied;
    // Made when written (at most every FILE_WRITE_INTERVAL_MS), not at every change: a fleet
    // writer spent a tenth of its CPU making cache texts a burst then skipped. The hash too:
    // reading it composes the whole file.
    this.cache.update(() => {
      const { hash, structure, peers } = applied;
      const text = cacheText(
        { hash, structure, peers, clusters },
        (name, nodes) =>
          this.cacheEntries.get(name, [nodes], (last) => encodedNodes(nodes, last)).text,
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
