import { describe, expect, it } from 'vitest';
import { applyDirRules } from '../../src/config/dir-rules.js';
import type { FileState } from '../../src/config/dir-rules.js';
import { diffEntries } from '../../src/config/diff-entries.js';
import { configFileRef } from '../../src/config/layout.js';
import type { ClusterConfig, ConfigEntry } from '../../src/config/types.js';
import { fakeZookeeper } from '../helpers/config-fixtures.js';

function clusterEntry(file: string, name: string, port = 80): ConfigEntry {
  const value: ClusterConfig = { name, discovery: 'zookeeper', balancers: { haproxy: { port } } };
  return { kind: 'clusters', name, file, value };
}

function valid(entry: ConfigEntry): FileState {
  const ref = configFileRef(entry.file);
  if (ref === undefined) throw new Error(entry.file);
  return { ref, loaded: { state: 'valid', entry, lineOf: () => undefined } };
}

function invalid(file: string): FileState {
  const ref = configFileRef(file);
  if (ref === undefined) throw new Error(file);
  return { ref, loaded: { state: 'invalid', issues: [{ file, pointer: '', message: 'broken' }] } };
}

const byFile = (entries: ConfigEntry[]) => new Map(entries.map((entry) => [entry.file, entry]));

describe('applyDirRules', () => {
  it('lets the file holding a name keep it, whatever the file order', () => {
    const holder = clusterEntry('clusters/z.yaml', 'web');
    const state = applyDirRules(
      [valid(clusterEntry('clusters/a.yaml', 'web', 81)), valid(holder)],
      byFile([holder]),
      ['clusters'],
    );
    expect([...state.inForce.values()]).toEqual([holder]);
    expect(state.issues.get('clusters/a.yaml')?.[0]?.message).toBe(
      'name "web" is already used by clusters/z.yaml; a name may be defined by one file only',
    );
  });

  it('keeps the last good entry of an invalid file, and of a file whose new name is taken', () => {
    const web = clusterEntry('clusters/web.yaml', 'web');
    const api = clusterEntry('clusters/api.yaml', 'api');
    const state = applyDirRules(
      [valid(clusterEntry('clusters/api.yaml', 'web')), invalid('clusters/web.yaml')],
      byFile([web, api]),
      ['clusters'],
    );
    expect(state.inForce).toEqual(byFile([web, api]));
    expect([...state.issues.keys()]).toEqual(['clusters/web.yaml', 'clusters/api.yaml']);
  });
});

describe('diffEntries', () => {
  it('compares by kind and name: a file rename with the same content is no change', () => {
    expect(
      diffEntries(
        byFile([clusterEntry('clusters/a.yaml', 'web')]),
        byFile([clusterEntry('clusters/b.yaml', 'web')]),
      ),
    ).toEqual([]);
  });

  it('removes dependants first and adds dependencies first', () => {
    const discovery: ConfigEntry = {
      kind: 'discovery',
      name: 'zookeeper',
      file: 'discovery/zookeeper.yaml',
      value: { name: 'zookeeper', plugin: fakeZookeeper, config: {} },
    };
    const web = clusterEntry('clusters/web.yaml', 'web');
    const changes = diffEntries(byFile([discovery, web]), new Map());
    expect(changes.map((change) => change.type === 'remove' && change.previous.kind)).toEqual([
      'clusters',
      'discovery',
    ]);
    expect(
      diffEntries(new Map(), byFile([web, discovery])).map(
        (change) => change.type === 'add' && change.entry.kind,
      ),
    ).toEqual(['discovery', 'clusters']);
  });

  it('turns a changed `name:` into a removal and an addition', () => {
    const changes = diffEntries(
      byFile([clusterEntry('clusters/a.yaml', 'web')]),
      byFile([clusterEntry('clusters/a.yaml', 'www')]),
    );
    expect(changes.map((change) => change.type)).toEqual(['remove', 'add']);
  });
});
