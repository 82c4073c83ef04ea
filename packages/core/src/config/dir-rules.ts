import type { ConfigIssue } from '../errors.js';
import { compareText } from '../model/node.js';
import type { ConfigFileRef } from './layout.js';
import type { LoadedFile } from './load-file.js';
import { configIssue } from './load-file.js';
import type { ConfigEntry, ConfigKind } from './types.js';
import { ConfigKinds } from './types.js';

/**
 * The rules across files, and which entry of each file is in force. The loader applies them to
 * a fresh directory; the watcher applies them after every batch of changes, with the entries in
 * force before, so that a file that turns invalid keeps its last good entry, a name stays with
 * the file that holds it, and a file blocked by a rule is let in as soon as the rule allows.
 *
 * - Two files of a kind must not give the same name (`web.yaml` and `web.yml`, or a `name:`):
 *   the file holding the name keeps it, else the first in byte order; the other file is told
 *   which file holds it.
 * - When the discovery files are part of the set, a cluster or service whose `discovery` has no
 *   `discovery/<name>.yaml` is invalid.
 */

/** A present file after loading. */
export interface FileState {
  ref: ConfigFileRef;
  loaded: Exclude<LoadedFile, { state: 'missing' }>;
}

/** What is in force after the rules, and every file's problems. */
export interface DirState {
  /** The entry in force for each file. */
  inForce: Map<string, ConfigEntry>;
  /** Problems by file, only for files that have some. */
  issues: Map<string, ConfigIssue[]>;
}

const kindRank = (kind: ConfigKind): number => ConfigKinds.indexOf(kind);

/** Orders entries by kind (logging, balancers, discovery, clusters, services), then by file. */
export function compareEntries(a: ConfigEntry, b: ConfigEntry): number {
  return kindRank(a.kind) - kindRank(b.kind) || compareText(a.file, b.file);
}

/** The issue, if any, that keeps a valid file's entry out for a rule across files. */
function missingDiscovery(
  file: FileState,
  discoveryNames: ReadonlySet<string>,
): ConfigIssue | undefined {
  if (file.loaded.state !== 'valid') return undefined;
  const { entry, lineOf } = file.loaded;
  if (entry.kind !== 'clusters' && entry.kind !== 'services') return undefined;
  const { discovery } = entry.value;
  if (discoveryNames.has(discovery)) return undefined;
  return configIssue(
    entry.file,
    '/discovery',
    `discovery "${discovery}" is not configured: there is no discovery/${discovery}.yaml in the config directory`,
    lineOf('/discovery'),
  );
}

function collision(file: FileState, entry: ConfigEntry, holder: string): ConfigIssue {
  const pointer = entry.name === file.ref.fileName ? '' : '/name';
  return configIssue(
    file.ref.file,
    pointer,
    `name "${entry.name}" is already used by ${holder}; a name may be defined by one file only`,
    file.loaded.state === 'valid' ? file.loaded.lineOf(pointer) : undefined,
  );
}

/** Applies the rules across files to `files` (present files of the watched kinds). */
export function applyDirRules(
  files: readonly FileState[],
  previous: ReadonlyMap<string, ConfigEntry>,
  kinds: readonly ConfigKind[],
): DirState {
  const inForce = new Map<string, ConfigEntry>();
  const issues = new Map<string, ConfigIssue[]>();
  const discoveryNames = kinds.includes('discovery')
    ? new Set(
        files.filter((file) => file.ref.kind === 'discovery').map((file) => file.ref.fileName),
      )
    : undefined;
  for (const kind of ConfigKinds) {
    const ofKind = files
      .filter((file) => file.ref.kind === kind)
      .sort((a, b) => compareText(a.ref.file, b.ref.file));
    const candidates = ofKind.map((file) => {
      if (file.loaded.state === 'invalid') {
        issues.set(file.ref.file, file.loaded.issues);
        return { file, entry: undefined };
      }
      const blocked =
        discoveryNames === undefined ? undefined : missingDiscovery(file, discoveryNames);
      if (blocked !== undefined) issues.set(file.ref.file, [blocked]);
      return { file, entry: blocked === undefined ? file.loaded.entry : undefined };
    });
    const holders = new Map<string, string>();
    const admit = (file: string, entry: ConfigEntry): void => {
      holders.set(entry.name, file);
      inForce.set(file, entry);
    };
    // Files keeping their name first (their new entry, or their last good one when invalid)…
    for (const { file, entry } of candidates) {
      const before = previous.get(file.ref.file);
      const next = entry ?? before;
      if (before !== undefined && next !== undefined && next.name === before.name)
        admit(file.ref.file, next);
    }
    // …then files taking a name, in file order.
    for (const { file, entry } of candidates) {
      if (entry === undefined || inForce.has(file.ref.file)) continue;
      const holder = holders.get(entry.name);
      if (holder === undefined) {
        admit(file.ref.file, entry);
        continue;
      }
      issues.set(file.ref.file, [collision(file, entry, holder)]);
      const before = previous.get(file.ref.file);
      if (before !== undefined && !holders.has(before.name)) admit(file.ref.file, before);
    }
  }
  return { inForce, issues };
}
