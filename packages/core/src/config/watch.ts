import { isDeepStrictEqual } from 'node:util';
import { resolve } from 'node:path';
import type { PluginResolver } from '../contracts/resolver.js';
import type { ConfigIssue } from '../errors.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { debugFor, silentLogger } from '../log.js';
import { SerialQueue } from '../async/serial-queue.js';
import { createBatcher } from './batcher.js';
import type { FileState } from './dir-rules.js';
import { applyDirRules, compareEntries } from './dir-rules.js';
import { watchDirEvents } from './dir-follower.js';
import { configFileRef, listConfigFiles } from './layout.js';
import { readConfigFiles } from './load-dir.js';
import { readConfigFile } from './load-file.js';
import type { ConfigEntry, ConfigKind } from './types.js';
import { diffEntries } from './diff-entries.js';
import type { ConfigChange } from './diff-entries.js';

/**
 * Follows a config directory. Unlike lighthouse 1.0's watcher:
 * - watching starts before the initial scan, so an edit made during the scan is not lost;
 * - every event only marks a file dirty; after a debounce the file is read again and the result
 *   is compared with what is in force, so atomic renames, `cat >` and delete-and-recreate give
 *   one event per logical change (1.0 added a cluster twice, B20);
 * - a file that was never valid and is fixed is simply added (1.0's watcher thread died, B8);
 * - missing directories are empty and picked up when they appear (1.0 crashed, B30);
 * - a handler that throws is logged and the watcher carries on.
 */

/** Options of {@link watchConfigDir}. */
export interface WatchConfigDirOptions {
  dir: string;
  kinds: readonly ConfigKind[];
  resolver: PluginResolver;
  log?: Logger;
  /** How long a file must be quiet before it is read again (default 50 ms). */
  debounceMs?: number;
  /** An entry was added, changed (by value, not bytes) or removed. Awaited, one at a time. */
  onChange(change: ConfigChange): void | Promise<void>;
  /**
   * A file's problems: called when a changed file is invalid (its last good entry stays in
   * force) and with `[]` once a file that had problems is valid again or gone. `inForce` says
   * whether an earlier version of the file is in force: false for a file that was never valid
   * (or whose last good entry lost its name to another file).
   */
  onIssues(file: string, issues: ConfigIssue[], inForce: boolean): void | Promise<void>;
}

/** A running watcher. */
export interface ConfigWatcher {
  /** The entries in force, in kind order, then file order. */
  current(): ConfigEntry[];
  /** Stops watching; no handler is called once the returned promise resolves. */
  close(): Promise<void>;
}

const debug = debugFor('core:config:watch');

/**
 * Watches `dir` and reports changes. Resolves after `onChange` has been called with an `add`
 * for every valid file present at start (kind order) and `onIssues` for every invalid one.
 */
export async function watchConfigDir(options: WatchConfigDirOptions): Promise<ConfigWatcher> {
  const { kinds, resolver, log = silentLogger, debounceMs = 50 } = options;
  const dir = resolve(options.dir);
  const files = new Map<string, FileState>();
  let inForce = new Map<string, ConfigEntry>();
  let shown = new Map<string, ConfigIssue[]>();
  let closed = false;
  const queue = new SerialQueue();

  const call = async (handler: string, run: () => void | Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      log.error(`config watcher: the ${handler} handler failed`, { error: describeError(error) });
    }
  };

  /** Re-applies the rules across files and tells the handlers what changed. */
  const publish = async (touched: ReadonlySet<string>): Promise<void> => {
    const state = applyDirRules([...files.values()], inForce, kinds);
    const reports: [string, ConfigIssue[], boolean][] = [];
    for (const file of new Set([...shown.keys(), ...state.issues.keys()])) {
      const now = state.issues.get(file) ?? [];
      if ((touched.has(file) && now.length > 0) || !isDeepStrictEqual(now, shown.get(file) ?? []))
        reports.push([file, now, state.inForce.has(file)]);
    }
    const changes = diffEntries(inForce, state.inForce);
    shown = state.issues;
    inForce = state.inForce;
    for (const [file, issues, kept] of reports)
      await call('onIssues', () => options.onIssues(file, issues, kept));
    for (const change of changes) await call('onChange', () => options.onChange(change));
  };

  const enqueue = (task: () => Promise<void>): void => {
    queue.run(task).catch((error: unknown) => {
      log.error('config watcher: could not process a change', { error: describeError(error) });
    });
  };

  const reload = async (paths: readonly string[]): Promise<void> => {
    const touched = new Set<string>();
    await Promise.all(
      paths.map(async (file) => {
        const ref = configFileRef(file);
        if (ref === undefined) return;
        const loaded = await readConfigFile(dir, ref, resolver);
        touched.add(ref.file);
        if (loaded.state === 'missing') files.delete(ref.file);
        else files.set(ref.file, { ref, loaded });
      }),
    );
    debug('reloaded %o', [...touched]);
    if (!closed) await publish(touched);
  };

  const batcher = createBatcher(debounceMs, debounceMs * 10, (paths) =>
    enqueue(() => reload(paths)),
  );

  /** Touches every file of `scanKinds` on disk or in force, to catch what had no event. */
  const rescan = async (scanKinds: readonly ConfigKind[]): Promise<void> => {
    const { refs } = await listConfigFiles(dir, scanKinds);
    const known = [...files.values()]
      .filter((file) => scanKinds.includes(file.ref.kind))
      .map((file) => file.ref.file);
    for (const file of new Set([...refs.map((ref) => ref.file), ...known])) batcher.touch(file);
  };

  // Watching starts before the initial scan, so nothing written meanwhile is lost (1.0 lost it).
  const follower = await watchDirEvents({
    dir,
    kinds,
    log,
    onFile: (file) => batcher.touch(file),
    onRescan: (scanKinds) => enqueue(() => rescan(scanKinds)),
  });

  enqueue(async () => {
    const scan = await readConfigFiles(dir, kinds, resolver);
    for (const issue of scan.issues)
      log.warn(`config directory: ${issue.message}`, { file: issue.file });
    for (const file of scan.files) files.set(file.ref.file, file);
    await publish(new Set(files.keys()));
  });
  await queue.idle();

  return {
    current: () => [...inForce.values()].sort(compareEntries),
    async close() {
      closed = true;
      batcher.close();
      await follower.close();
      await queue.idle();
    },
  };
}
