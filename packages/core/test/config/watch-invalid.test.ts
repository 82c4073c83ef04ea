import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { watchConfigDir } from '../../src/config/index.js';
import { fakeResolver, makeConfigDir, waitFor } from '../helpers/config-fixtures.js';
import {
  cluster,
  describeChange,
  handleCounts,
  names,
  quiet,
  start,
  zookeeper,
} from '../helpers/config-watch-session.js';

/** The watcher with invalid files, failing handlers, and on close. */
describe('watchConfigDir: invalid files', () => {
  const base = { 'discovery/zookeeper.yaml': zookeeper, 'clusters/web.yaml': cluster(80) };

  it('adds a file that was invalid since its creation once it is fixed', async () => {
    const session = await start({ ...base, 'clusters/late.yaml': 'haproxy: {port: 1}\n' });
    expect(session.log[0]).toBe('issues clusters/late.yaml: missing required key "discovery"');
    await session.fixture.write('clusters/late.yaml', cluster(81));
    await session.until(5);
    expect(session.log.slice(3)).toEqual(['issues clusters/late.yaml: ', 'add clusters/late']);
    // The directory is still watched afterwards (lighthouse 1.0's watcher died here, B8).
    await session.fixture.write('clusters/web.yaml', cluster(82));
    await session.until(6);
    expect(session.log[5]).toBe('update clusters/web');
  });

  it('keeps the last good entry while a file is invalid, and updates relative to it', async () => {
    const session = await start(base);
    const { fixture, log, watcher, changes } = session;
    await fixture.write('clusters/web.yaml', 'discovery: zookeeper\nhaproxy:\n  port: two\n');
    await session.until(3);
    expect(log[2]).toBe('issues clusters/web.yaml: expected an integer, got "two"');
    expect(watcher.current().find((entry) => entry.name === 'web')).toMatchObject({
      value: { balancers: { haproxy: { port: 80 } } },
    });
    // Back to the last good content: the problem is cleared and nothing changed.
    await fixture.write('clusters/web.yaml', cluster(80));
    await session.until(4);
    expect(log[3]).toBe('issues clusters/web.yaml: ');
    await fixture.write('clusters/web.yaml', 'discovery: zookeeper\nhaproxy: [\n');
    await session.until(5);
    await fixture.write('clusters/web.yaml', cluster(81));
    await session.until(7);
    expect(log.slice(4)).toEqual([
      'issues clusters/web.yaml: invalid YAML: unexpected end of the stream within a flow collection (column 1)',
      'issues clusters/web.yaml: ',
      'update clusters/web',
    ]);
    expect(changes.at(-1)).toMatchObject({
      previous: { value: { balancers: { haproxy: { port: 80 } } } },
    });
  });

  it('lets a file blocked by a name collision in once the name is free', async () => {
    const session = await start(base);
    await session.fixture.write('clusters/zz.yaml', cluster(81, 'name: web\n'));
    await session.until(3);
    expect(session.log[2]).toBe(
      'issues clusters/zz.yaml: name "web" is already used by clusters/web.yaml; a name may be defined by one file only',
    );
    await session.fixture.remove('clusters/web.yaml');
    await session.until(5);
    expect(session.log.slice(3)).toEqual(['issues clusters/zz.yaml: ', 'update clusters/web']);
    expect(names(session.watcher)).toEqual([
      'discovery/zookeeper:discovery/zookeeper.yaml',
      'clusters/web:clusters/zz.yaml',
    ]);
  });

  it('keeps clusters in force when their discovery file goes away, and clears their problems when it returns', async () => {
    const session = await start(base);
    await session.fixture.remove('discovery/zookeeper.yaml');
    await session.until(4);
    expect(session.log.slice(2)).toEqual([
      'issues clusters/web.yaml: discovery "zookeeper" is not configured: there is no discovery/zookeeper.yaml in the config directory',
      'remove discovery/zookeeper',
    ]);
    expect(names(session.watcher)).toEqual(['clusters/web:clusters/web.yaml']);
    await session.fixture.write('discovery/zookeeper.yaml', zookeeper);
    await session.until(6);
    expect(session.log.slice(4)).toEqual(['issues clusters/web.yaml: ', 'add discovery/zookeeper']);
  });
});

describe('watchConfigDir: robustness', () => {
  it('logs a handler that throws and keeps going', async () => {
    const session = await start(
      { 'discovery/zookeeper.yaml': zookeeper },
      {
        onChange(change) {
          if (change.type === 'add' && change.entry.name === 'bad') throw new Error('handler bug');
        },
      },
    );
    await session.fixture.write('clusters/bad.yaml', cluster(1));
    await session.until(2);
    await session.fixture.write('clusters/good.yaml', cluster(2));
    await session.until(3);
    expect(session.log).toEqual([
      'add discovery/zookeeper',
      'add clusters/bad',
      'add clusters/good',
    ]);
    expect(session.errors.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'config watcher: the onChange handler failed',
        error: 'handler bug',
      }),
    ]);
  });

  it('close() stops every timer and file watch, and nothing is reported afterwards', async () => {
    const before = handleCounts();
    const fixture = await makeConfigDir({ 'discovery/zookeeper.yaml': zookeeper });
    const log: string[] = [];
    const watcher = await watchConfigDir({
      dir: fixture.dir,
      kinds: ['discovery', 'clusters'],
      resolver: fakeResolver(),
      onChange: (change) => void log.push(describeChange(change)),
      onIssues: (file) => void log.push(`issues ${file}`),
    });
    expect(handleCounts().watches).toBeGreaterThan(before.watches);
    // A change still being debounced when close() is called must not be reported.
    await fixture.write('clusters/web.yaml', cluster(80));
    await watcher.close();
    // Node releases closed fs watches on a later tick.
    await waitFor(
      () => isDeepStrictEqual(handleCounts(), before),
      `handles back to ${JSON.stringify(before)}`,
      1_000,
    );
    await quiet();
    expect(log).toEqual(['add discovery/zookeeper']);
    await fixture.cleanup();
  });
});
