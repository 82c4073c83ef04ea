import { isDeepStrictEqual } from 'node:util';
import { compareText } from '../model/node.js';
import type { ConfigEntry } from './types.js';
import { ConfigKinds } from './types.js';

/** One change to the config directory, as the watcher reports it. */
export type ConfigChange =
  | { type: 'add'; entry: ConfigEntry }
  | { type: 'update'; entry: ConfigEntry; previous: ConfigEntry }
  | { type: 'remove'; previous: ConfigEntry };

/**
 * The changes between two sets of entries in force. An entry is identified by kind and name,
 * not by file: renaming `web.yaml` to `web.yml` changes nothing, and a changed `name:` is the
 * removal of one cluster and the addition of another. Values are compared deeply (plugins by
 * identity), so an edit to whitespace or comments is no change at all.
 */
export function diffEntries(
  before: ReadonlyMap<string, ConfigEntry>,
  after: ReadonlyMap<string, ConfigEntry>,
): ConfigChange[] {
  const byIdentity = (entries: ReadonlyMap<string, ConfigEntry>) =>
    new Map([...entries.values()].map((entry) => [`${entry.kind}/${entry.name}`, entry]));
  const old = byIdentity(before);
  const next = byIdentity(after);
  const order = (a: ConfigEntry, b: ConfigEntry) =>
    ConfigKinds.indexOf(a.kind) - ConfigKinds.indexOf(b.kind) || compareText(a.name, b.name);

  // Removals first and dependants first (clusters before their discovery), then the rest in
  // dependency order, so a handler never sees a cluster whose discovery is not there yet.
  const removals = [...old]
    .filter(([identity]) => !next.has(identity))
    .map(([, previous]) => previous)
    .sort(
      (a, b) =>
        ConfigKinds.indexOf(b.kind) - ConfigKinds.indexOf(a.kind) || compareText(a.name, b.name),
    )
    .map((previous): ConfigChange => ({ type: 'remove', previous }));
  const additions = [...next.values()].sort(order).flatMap((entry): ConfigChange[] => {
    const previous = old.get(`${entry.kind}/${entry.name}`);
    if (previous === undefined) return [{ type: 'add', entry }];
    return isDeepStrictEqual(previous.value, entry.value)
      ? []
      : [{ type: 'update', entry, previous }];
  });
  return [...removals, ...additions];
}
