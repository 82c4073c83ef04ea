import { describe, expect, it } from 'vitest';
import { loadConfigDir } from '../../src/config/index.js';
import { ConfigKinds } from '../../src/config/types.js';
import { formatIssue } from '../../src/errors.js';
import { dirWith, resolver } from '../helpers/config-load.js';
import { manualExamples } from '../helpers/config-manual-examples.js';

/** A whole directory: which files count, missing directories, and the rules across files. */
describe('the directory', () => {
  const cluster = 'discovery: zookeeper\nhaproxy: {port: 80}\n';
  const zookeeper = manualExamples['discovery/zookeeper.yaml'] ?? '';

  it('is empty when missing, and so is a missing subdirectory', async () => {
    const { dir } = await dirWith({ 'clusters/web.yaml': cluster });
    expect(await loadConfigDir({ dir: `${dir}/nowhere`, kinds: ConfigKinds, resolver })).toEqual({
      entries: [],
      issues: [],
    });
    const { entries, issues } = await loadConfigDir({
      dir,
      kinds: ['clusters', 'services'],
      resolver,
    });
    expect(issues).toEqual([]);
    expect(entries.map((entry) => entry.name)).toEqual(['web']);
  });

  it('reads only *.yaml and *.yml files (any case), named without that one extension', async () => {
    const { dir } = await dirWith({
      'discovery/zookeeper.yaml': zookeeper,
      'clusters/web.yaml': cluster,
      'clusters/api.YML': cluster,
      'clusters/old.yaml.yaml': cluster,
      'clusters/web.yaml~': 'garbage: [',
      'clusters/web.yaml.bak': 'garbage: [',
      'clusters/.web.yaml.swp': 'garbage: [',
      'clusters/.hidden.yaml': 'garbage: [',
      'clusters/README.txt': 'garbage: [',
      'clusters/nested/deep.yaml': 'garbage: [',
      'haproxy.yaml': 'garbage: [',
    });
    const { entries, issues } = await loadConfigDir({ dir, kinds: ConfigKinds, resolver });
    expect(issues).toEqual([]);
    expect(entries.map((entry) => `${entry.file} → ${entry.name}`)).toEqual([
      'discovery/zookeeper.yaml → zookeeper',
      'clusters/api.YML → api',
      'clusters/old.yaml.yaml → old.yaml',
      'clusters/web.yaml → web',
    ]);
  });

  it('rejects the later of two files giving the same name, naming the other', async () => {
    const { dir } = await dirWith({
      'discovery/zookeeper.yaml': zookeeper,
      'clusters/web.yaml': cluster,
      'clusters/web.yml': cluster,
      'clusters/zz.yaml': `name: web\n${cluster}`,
      'logging.yaml': 'level: info\n',
      'logging.yml': 'level: debug\n',
    });
    const { entries, issues } = await loadConfigDir({ dir, kinds: ConfigKinds, resolver });
    expect(entries.map((entry) => entry.file)).toEqual([
      'logging.yaml',
      'discovery/zookeeper.yaml',
      'clusters/web.yaml',
    ]);
    expect(issues.map(formatIssue)).toEqual([
      'clusters/web.yml: (document): name "web" is already used by clusters/web.yaml; a name may be defined by one file only',
      'clusters/zz.yaml:1: /name: name "web" is already used by clusters/web.yaml; a name may be defined by one file only',
      'logging.yml: (document): name "logging" is already used by logging.yaml; a name may be defined by one file only',
    ]);
  });

  it('requires a discovery file for every discovery named, when discovery files are loaded', async () => {
    const fixture = await dirWith({
      'clusters/web.yaml': cluster,
      'services/cache.yaml': `${manualExamples['services/cache.yaml'] ?? ''}`,
    });
    const { dir } = fixture;
    const all = await loadConfigDir({ dir, kinds: ConfigKinds, resolver });
    expect(all.entries).toEqual([]);
    expect(all.issues.map(formatIssue)).toEqual([
      'clusters/web.yaml:1: /discovery: discovery "zookeeper" is not configured: there is no discovery/zookeeper.yaml in the config directory',
      'services/cache.yaml:2: /discovery: discovery "zookeeper" is not configured: there is no discovery/zookeeper.yaml in the config directory',
    ]);
    // Without the discovery kind the rule cannot apply: the file set is not the whole story.
    expect(
      (await loadConfigDir({ dir, kinds: ['clusters', 'services'], resolver })).issues,
    ).toEqual([]);
    // An invalid discovery file still configures the name: its own issue is the one to fix.
    await fixture.write('discovery/zookeeper.yaml', 'hosts: nope\n');
    const withBroken = await loadConfigDir({ dir, kinds: ConfigKinds, resolver });
    expect(withBroken.entries.map((entry) => entry.file)).toEqual([
      'clusters/web.yaml',
      'services/cache.yaml',
    ]);
    expect(withBroken.issues.map((issue) => issue.file)).toEqual([
      'discovery/zookeeper.yaml',
      'discovery/zookeeper.yaml',
    ]);
    await fixture.write('discovery/zookeeper.yaml', zookeeper);
    expect((await loadConfigDir({ dir, kinds: ConfigKinds, resolver })).issues).toEqual([]);
  });
});
