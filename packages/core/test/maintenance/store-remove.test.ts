import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeMaintenance, writeMaintenance } from '../../src/maintenance/index.js';

const SINCE = Date.parse('2026-03-01T12:00:00.000Z');

let root: string;
let dir: string;

/** Every kind of member: entries for several targets, a name-prefix trap, and foreign files. */
const ENTRIES: [string, number | undefined][] = [
  ['web', undefined],
  ['web', 8080],
  ['web', 9090],
  ['webx', undefined],
  ['webx', 8080],
  ['api', undefined],
  ['api', 8080],
  ['all', undefined],
  ['all', 8080],
  ['all', 9090],
];
const FOREIGN = ['README', 'web.json.bak', 'corrupt.json', 'corrupt@8080.json', '.web.json.1.tmp'];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lh-maintenance-'));
  dir = join(root, 'maintenance');
  for (const [service, port] of ENTRIES) {
    await writeMaintenance(dir, { service, port, mode: 'down', reason: '', since: SINCE });
  }
  for (const name of FOREIGN) await writeFile(join(dir, name), 'not an entry');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function remaining(): Promise<string[]> {
  return (await readdir(dir)).sort();
}

function without(removed: string[]): string[] {
  const all = [
    ...ENTRIES.map(([service, port]) =>
      port === undefined ? `${service}.json` : `${service}@${port}.json`,
    ),
    ...FOREIGN,
  ];
  return all.filter((name) => !removed.includes(name)).sort();
}

describe('removeMaintenance', () => {
  it('with a service and a port, removes only that entry', async () => {
    expect(await removeMaintenance(dir, 'web', 8080)).toEqual(['web@8080.json']);
    expect(await remaining()).toEqual(without(['web@8080.json']));
  });

  it('with a service alone, removes it and its per-port entries, not look-alike names', async () => {
    const removed = ['web.json', 'web@8080.json', 'web@9090.json'];
    expect(await removeMaintenance(dir, 'web')).toEqual(removed);
    expect(await remaining()).toEqual(without(removed));
  });

  it('with all and a port, removes every entry for that port', async () => {
    // By name, whatever the content, so the corrupt entry for the port goes too.
    const removed = [
      'all@8080.json',
      'api@8080.json',
      'corrupt@8080.json',
      'web@8080.json',
      'webx@8080.json',
    ];
    expect(await removeMaintenance(dir, 'all', 8080)).toEqual(removed);
    expect(await remaining()).toEqual(without(removed));
  });

  it('with all alone, removes every entry that decodes and leaves the rest for a human', async () => {
    const removed = ENTRIES.map(([service, port]) =>
      port === undefined ? `${service}.json` : `${service}@${port}.json`,
    ).sort();
    expect(await removeMaintenance(dir, 'all')).toEqual(removed);
    expect(await remaining()).toEqual([...FOREIGN].sort());
  });

  it('removes a corrupt entry by its service name', async () => {
    expect(await removeMaintenance(dir, 'corrupt')).toEqual(['corrupt.json', 'corrupt@8080.json']);
  });

  it('is fine with missing entries and a missing directory', async () => {
    expect(await removeMaintenance(dir, 'nothing')).toEqual([]);
    expect(await removeMaintenance(dir, 'nothing', 1)).toEqual([]);
    expect(await removeMaintenance(dir, 'web', 1)).toEqual([]);
    await rm(dir, { recursive: true });
    for (const [service, port] of [
      ['web', undefined],
      ['web', 8080],
      ['all', undefined],
      ['all', 8080],
    ] as const) {
      expect(await removeMaintenance(dir, service, port)).toEqual([]);
    }
  });

  it('removes a symbolic link at an entry name without touching its target', async () => {
    const outside = join(root, 'outside.json');
    await writeFile(outside, 'precious');
    await symlink(outside, join(dir, 'db.json'));
    expect(await removeMaintenance(dir, 'db')).toEqual(['db.json']);
    expect(await readFile(outside, 'utf8')).toBe('precious');
  });

  it('leaves a directory at an entry name alone', async () => {
    await mkdir(join(dir, 'db.json'));
    await writeFile(join(dir, 'db.json', 'inside'), 'x');
    expect(await removeMaintenance(dir, 'db')).toEqual([]);
    expect(await readdir(join(dir, 'db.json'))).toEqual(['inside']);
  });

  it.each([
    ['../x', undefined],
    ['..', undefined],
    ['.', undefined],
    ['a/b', undefined],
    ['', undefined],
    ['*', undefined],
    ['web\nx', undefined],
    ['ALL', undefined],
    ['web', 0],
    ['all', 70_000],
    ['web', 1.5],
  ])('throws for (%j, %j) and removes nothing', async (service, port) => {
    await writeFile(join(root, 'x.json'), 'outside');
    await expect(removeMaintenance(dir, service, port)).rejects.toThrow(Error);
    expect(await remaining()).toEqual(without([]));
    expect(await readFile(join(root, 'x.json'), 'utf8')).toBe('outside');
  });

  it('rejects, naming the directory, when it is not a directory', async () => {
    await rm(dir, { recursive: true });
    await writeFile(dir, 'a file');
    await expect(removeMaintenance(dir, 'web')).rejects.toThrow(/maintenance directory.*ENOTDIR/);
    await expect(removeMaintenance(dir, 'all')).rejects.toThrow(/maintenance directory.*ENOTDIR/);
  });
});
