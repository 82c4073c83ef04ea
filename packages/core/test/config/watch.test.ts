import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { watchConfigDir } from '../../src/config/index.js';
import type { ConfigDirFixture } from '../helpers/config-fixtures.js';
import { fakeResolver, makeConfigDir, waitFor } from '../helpers/config-fixtures.js';
import { manualExamples } from '../helpers/config-manual-examples.js';
import {
  cluster,
  describeChange,
  names,
  quiet,
  sessions,
  start,
  zookeeper,
} from '../helpers/config-watch-session.js';

/** The watcher against real file-system events: start-up, the directory, and file changes. */
describe('watchConfigDir: start-up', () => {
  it('adds every valid file in kind order before resolving, and reports invalid ones', async () => {
    const { log, watcher } = await start({
      ...manualExamples,
      'clusters/broken.yaml': 'haproxy: {port: 1}\n',
    });
    expect(log).toEqual([
      'issues clusters/broken.yaml: missing required key "discovery"',
      'add logging/logging',
      'add balancers/haproxy',
      'add discovery/zookeeper',
      'add clusters/sprockets',
      'add clusters/webapp',
      'add clusters/widgets',
      'add services/cache',
    ]);
    expect(names(watcher)).toContain('clusters/webapp:clusters/webapp.yaml');
  });

  it('watches only the kinds asked for', async () => {
    const { log, fixture } = await start(
      { ...manualExamples },
      { kinds: ['logging', 'discovery', 'services'] },
    );
    expect(log).toEqual(['add logging/logging', 'add discovery/zookeeper', 'add services/cache']);
    await fixture.write('clusters/late.yaml', cluster(1));
    await quiet(); // a clusters/ change must not be reported to a reporter
    expect(log).toHaveLength(3);
  });

  it('treats a missing directory as empty and picks it up once it appears', async () => {
    const { log, fixture } = await start({}, { dir: (fixture) => `${fixture.dir}/config` });
    expect(log).toEqual([]);
    await fixture.write('config/discovery/zookeeper.yaml', zookeeper);
    await fixture.write('config/clusters/web.yaml', cluster(80));
    await waitFor(() => log.length >= 2, 'the late config directory');
    expect(log).toEqual(['add discovery/zookeeper', 'add clusters/web']);
  });
});

describe('watchConfigDir: the directory itself', () => {
  it('does not lose a file written while the watcher starts', async () => {
    const fixture = await makeConfigDir({ 'discovery/zookeeper.yaml': zookeeper });
    const log: string[] = [];
    const starting = watchConfigDir({
      dir: fixture.dir,
      kinds: ['discovery', 'clusters'],
      resolver: fakeResolver(),
      onChange: (change) => void log.push(describeChange(change)),
      onIssues: (file) => void log.push(`issues ${file}`),
    });
    await fixture.write('clusters/web.yaml', cluster(80));
    const watcher = await starting;
    sessions.push({ fixture, watcher, log, changes: [], errors: [], until: async () => undefined });
    await waitFor(() => log.includes('add clusters/web'), 'the cluster written during start-up');
    await quiet(); // whether the scan or an event saw it, it is added once
    expect(log).toEqual(['add discovery/zookeeper', 'add clusters/web']);
  });

  it('follows the directory when it is deleted and created again', async () => {
    const session = await start({
      'discovery/zookeeper.yaml': zookeeper,
      'clusters/web.yaml': cluster(80),
    });
    await session.fixture.remove('');
    await session.until(4);
    expect(session.log.slice(2)).toEqual(['remove clusters/web', 'remove discovery/zookeeper']);
    await session.fixture.write('discovery/zookeeper.yaml', zookeeper);
    await session.fixture.write('clusters/web.yaml', cluster(81));
    await session.until(6);
    expect(session.log.slice(4)).toEqual(['add discovery/zookeeper', 'add clusters/web']);
    await session.fixture.write('clusters/web.yaml', cluster(82));
    await session.until(7);
    expect(session.log[6]).toBe('update clusters/web');
  });
});

describe('watchConfigDir: changes', () => {
  const base = { 'discovery/zookeeper.yaml': zookeeper, 'clusters/web.yaml': cluster(80) };

  it('reports add, update (with the previous entry) and remove', async () => {
    const session = await start(base);
    const { fixture, log, changes } = session;
    await fixture.write('clusters/api.yaml', cluster(81));
    await session.until(3);
    await fixture.write('clusters/api.yaml', cluster(82));
    await session.until(4);
    await fixture.remove('clusters/api.yaml');
    await session.until(5);
    expect(log.slice(2)).toEqual([
      'add clusters/api',
      'update clusters/api',
      'remove clusters/api',
    ]);
    expect(changes[3]).toMatchObject({
      type: 'update',
      entry: { value: { balancers: { haproxy: { port: 82 } } } },
      previous: { value: { balancers: { haproxy: { port: 81 } } } },
    });
    await quiet();
    expect(log).toHaveLength(5);
  });

  it.each([
    [
      'an atomic rename over the file',
      (fixture: ConfigDirFixture) => fixture.writeAtomic('clusters/web.yaml', cluster(90)),
    ],
    [
      'sed -i',
      (fixture: ConfigDirFixture) =>
        promisify(execFile)('sed', [
          '-i',
          's/port: 80/port: 90/',
          fixture.path('clusters/web.yaml'),
        ]),
    ],
    [
      'delete and recreate',
      async (fixture: ConfigDirFixture) => {
        await fixture.remove('clusters/web.yaml');
        await fixture.write('clusters/web.yaml', cluster(90));
      },
    ],
    [
      'a shell `cat >`',
      (fixture: ConfigDirFixture) =>
        promisify(execFile)('sh', [
          '-c',
          `printf '%s' "$0" > "$1"`,
          cluster(90),
          fixture.path('clusters/web.yaml'),
        ]),
    ],
  ])('%s is exactly one update', async (_, edit) => {
    const session = await start(base);
    await edit(session.fixture);
    await session.until(3);
    await quiet(); // no duplicate add, no spurious remove
    expect(session.log.slice(2)).toEqual(['update clusters/web']);
  });

  it('a slow truncate-then-write shows the empty file as a problem, then one update, and no remove', async () => {
    const session = await start(base);
    const handle = await open(session.fixture.path('clusters/web.yaml'), 'w');
    // Long enough for the debounce to read the truncated file, as with a slow `cat > file`.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await handle.write(cluster(90));
    await handle.close();
    await session.until(5);
    await quiet();
    expect(session.log.slice(2)).toEqual([
      'issues clusters/web.yaml: file is empty',
      'issues clusters/web.yaml: ',
      'update clusters/web',
    ]);
  });

  it('an edit to comments and whitespace only is no change', async () => {
    const session = await start(base);
    await session.fixture.write(
      'clusters/web.yaml',
      `# a comment\n\n${cluster(80).replace('port: 80', 'port:   80   # same')}`,
    );
    await quiet(); // nothing is expected: the validated value did not change
    expect(session.log).toEqual(['add discovery/zookeeper', 'add clusters/web']);
  });

  it('ignores editor backups, swap files and other files', async () => {
    const session = await start(base);
    for (const file of [
      'clusters/web.yaml~',
      'clusters/.web.yaml.swp',
      'clusters/web.yaml.bak',
      'clusters/notes.txt',
      'README.yaml',
    ]) {
      await session.fixture.write(file, 'not: [valid');
    }
    await quiet(); // none of these files is a config file: no event and no issue
    expect(session.log).toEqual(['add discovery/zookeeper', 'add clusters/web']);
  });

  it('renaming a file removes the old name and adds the new one', async () => {
    const session = await start(base);
    await session.fixture.rename('clusters/web.yaml', 'clusters/www.yaml');
    await session.until(4);
    await quiet();
    expect(session.log.slice(2)).toEqual(['remove clusters/web', 'add clusters/www']);
  });

  it('renaming a file whose `name:` stays the same is no change', async () => {
    const session = await start({ ...base, 'clusters/web.yaml': cluster(80, 'name: web\n') });
    await session.fixture.rename('clusters/web.yaml', 'clusters/web-old.yml');
    await waitFor(
      () => names(session.watcher).includes('clusters/web:clusters/web-old.yml'),
      'the rename',
    );
    await quiet();
    expect(session.log).toEqual(['add discovery/zookeeper', 'add clusters/web']);
  });

  it('picks up a subdirectory created after start', async () => {
    const session = await start({ 'discovery/zookeeper.yaml': zookeeper });
    await session.fixture.write('services/cache.yaml', manualExamples['services/cache.yaml'] ?? '');
    await session.until(2);
    expect(session.log).toEqual(['add discovery/zookeeper', 'add services/cache']);
  });
});
