import { stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { debugFor } from '../log.js';
import { configFileRef, isSubdirectoryKind } from './layout.js';
import type { ConfigKind } from './types.js';
import { ConfigKinds } from './types.js';

/**
 * The file-system side of the watcher: chokidar on the config directory, reporting which config
 * files may have changed. It only says "look at this file again"; what changed is decided by
 * reading the file. The directory may not exist yet, or be deleted and created again (config
 * management does that), and chokidar does not reliably report the deletion of the path it
 * watches: so the parent directory is watched too, and whenever the directory appears or
 * vanishes its watch is started afresh. A directory created while chokidar sets itself up can
 * be missed, so whenever a directory appears the follower also asks for a rescan.
 */

/** Options of {@link watchDirEvents}. */
export interface FollowOptions {
  dir: string;
  kinds: readonly ConfigKind[];
  log: Logger;
  /** A config file (relative path) was added, changed or removed. */
  onFile(file: string): void;
  /** Files of these kinds may have appeared or gone without an event of their own. */
  onRescan(kinds: readonly ConfigKind[]): void;
}

/** A running follower. */
export interface DirFollower {
  close(): Promise<void>;
}

const debug = debugFor('core:config:watch');

function ready(watcher: FSWatcher): Promise<void> {
  return new Promise((resolve) => watcher.once('ready', () => resolve()));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Starts following; resolves once the file-system watches are in place. */
export async function watchDirEvents(options: FollowOptions): Promise<DirFollower> {
  const { kinds, log } = options;
  const dir = resolve(options.dir);
  const parent = dirname(dir);
  const subdirectories = ConfigKinds.filter(
    (kind) => isSubdirectoryKind(kind) && kinds.includes(kind),
  );
  let contents: FSWatcher | undefined;
  let closed = false;
  let switching: Promise<void> = Promise.resolve();

  const watchedFile = (path: string): string | undefined => {
    const ref = configFileRef(relative(dir, path));
    return ref !== undefined && kinds.includes(ref.kind) ? ref.file : undefined;
  };
  const isRelevant = (path: string): boolean => {
    const rel = relative(dir, path);
    return (
      rel === '' || subdirectories.some((kind) => kind === rel) || watchedFile(path) !== undefined
    );
  };

  const warn = (error: unknown): void =>
    log.warn('config watcher error', { error: describeError(error) });

  /** Watches the contents of the directory (which exists). */
  const watchContents = async (): Promise<FSWatcher> => {
    const watcher = watch(dir, {
      ignoreInitial: true,
      depth: 1,
      atomic: false,
      ignored: (path: string) => !isRelevant(path),
    });
    watcher.on('all', (event, path) => {
      debug('%s %s', event, path);
      if (closed) return;
      const file = watchedFile(path);
      if (file !== undefined) options.onFile(file);
      const created =
        event === 'addDir' ? subdirectories.find((kind) => path === join(dir, kind)) : undefined;
      if (created !== undefined) options.onRescan([created]);
    });
    watcher.on('error', warn);
    await ready(watcher);
    // Make sure subdirectories created while chokidar was starting are watched too.
    for (const kind of subdirectories)
      if (await isDirectory(join(dir, kind))) watcher.add(join(dir, kind));
    return watcher;
  };

  /** Watches the contents if the directory exists; a stale watch (of a deleted inode) is dropped. */
  const restart = async (): Promise<void> => {
    await contents?.close();
    contents = undefined;
    if (closed) return;
    if (await isDirectory(dir)) contents = await watchContents();
    else log.warn('config directory does not exist (yet); waiting for it', { dir });
  };

  const parentWatcher = watch(parent, {
    ignoreInitial: true,
    depth: 0,
    ignored: (path: string) => path !== parent && path !== dir,
  });
  parentWatcher.on('all', (event, path) => {
    debug('%s %s', event, path);
    if (closed || path !== dir) return;
    switching = switching
      .then(restart)
      .then(() => options.onRescan(kinds))
      .catch((error: unknown) => {
        log.error('config watcher: cannot follow the config directory', {
          dir,
          error: describeError(error),
        });
      });
  });
  parentWatcher.on('error', warn);
  await ready(parentWatcher);
  await restart();
  return {
    async close() {
      closed = true;
      await switching;
      await Promise.all([parentWatcher.close(), contents?.close()]);
    },
  };
}
