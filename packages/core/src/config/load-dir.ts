import type { PluginResolver } from '../contracts/resolver.js';
import type { ConfigIssue } from '../errors.js';
import type { FileState } from './dir-rules.js';
import { applyDirRules, compareEntries } from './dir-rules.js';
import { listConfigFiles } from './layout.js';
import { compareIssues, readConfigFile } from './load-file.js';
import type { ConfigEntry, ConfigKind } from './types.js';

/** Options of {@link loadConfigDir}. */
export interface LoadConfigDirOptions {
  dir: string;
  /** The kinds to load, e.g. the writer's `['logging', 'balancers', 'discovery', 'clusters']`. */
  kinds: readonly ConfigKind[];
  resolver: PluginResolver;
}

/** Every valid entry and every problem of a config directory. */
export interface LoadedConfigDir {
  /** Kind order (logging, balancers, discovery, clusters, services), then file order. */
  entries: ConfigEntry[];
  /** By file, then line. */
  issues: ConfigIssue[];
}

/** Reads the present files of the given kinds (missing directories count as empty). */
export async function readConfigFiles(
  dir: string,
  kinds: readonly ConfigKind[],
  resolver: PluginResolver,
): Promise<{ files: FileState[]; issues: ConfigIssue[] }> {
  const { refs, issues } = await listConfigFiles(dir, kinds);
  const files = await Promise.all(
    refs.map(async (ref) => {
      const loaded = await readConfigFile(dir, ref, resolver);
      // A file deleted between listing and reading is simply not there.
      return loaded.state === 'missing' ? [] : [{ ref, loaded }];
    }),
  );
  return { files: files.flat(), issues };
}

/**
 * Loads every file of the requested kinds of a config directory and applies the rules across
 * files: what `lighthouse validate` reports and what a daemon starts from.
 */
export async function loadConfigDir(options: LoadConfigDirOptions): Promise<LoadedConfigDir> {
  const { files, issues } = await readConfigFiles(options.dir, options.kinds, options.resolver);
  const state = applyDirRules(files, new Map(), options.kinds);
  return {
    entries: [...state.inForce.values()].sort(compareEntries),
    issues: [...issues, ...[...state.issues.values()].flat()].sort(compareIssues),
  };
}
