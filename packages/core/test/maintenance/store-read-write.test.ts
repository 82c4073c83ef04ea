import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEntry, readMaintenance, writeMaintenance } from '../../src/maintenance/index.js';
import type { MaintenanceEntry } from '../../src/maintenance/index.js';

const SINCE = Date.parse('2026-03-01T12:00:00.000Z');

function entry(service: string, more: Partial<MaintenanceEntry> = {}): MaintenanceEntry {
  return { service, mode: 'down', reason: `${service} is down`, since: SINCE, ...more };
}

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lh-maintenance-'));
  dir = join(root, 'maintenance');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(name: string, content: string | Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), content);
}

describe('readMaintenance', () => {
  it('reads a missing directory as an empty state', async () => {
    expect(await readMaintenance(dir)).toEqual({ entries: [], issues: [] });
  });

  it('reads an empty directory as an empty state', async () => {
    await mkdir(dir);
    expect(await readMaintenance(dir)).toEqual({ entries: [], issues: [] });
  });

  it('returns valid entries sorted by file name, expired ones included', async () => {
    const expired = entry('web', { port: 8080, until: SINCE + 1000 });
    await put('web@8080.json', encodeEntry(expired));
    await put('all.json', encodeEntry(entry('all')));
    await put('api.json', encodeEntry(entry('api', { mode: 'drain', user: 'bob' })));
    const state = await readMaintenance(dir);
    expect(state.issues).toEqual([]);
    expect(state.entries).toEqual([
      entry('all'),
      entry('api', { mode: 'drain', user: 'bob' }),
      expired,
    ]);
  });

  it('skips dotfiles, including temp files of a write in progress', async () => {
    await put('.web.json.0123abcd.tmp', '{"half": ');
    await put('.hidden', 'anything');
    await put('.web.json', encodeEntry(entry('web')));
    expect(await readMaintenance(dir)).toEqual({ entries: [], issues: [] });
  });

  it('reports every bad member as an issue and still returns the good ones', async () => {
    await put('web.json', encodeEntry(entry('web')));
    await put('corrupt.json', '{"service": "corrupt", "mode": ');
    await put('README', 'put maintenance entries here');
    await put('web.json.bak', encodeEntry(entry('web')));
    await put('db', 'old hacheck spool file: reason text');
    await put('api.json', encodeEntry(entry('db')));
    await put('huge.json', ' '.repeat(64 * 1024 + 1));
    await put('latin1.json', Buffer.from([0x7b, 0xe9, 0x7d]));
    await mkdir(join(dir, 'sub.json'));
    await mkdir(join(dir, 'subdir'));
    await symlink('/etc/passwd', join(dir, 'passwd.json'));
    await symlink(join(dir, 'web.json'), join(dir, 'alias.json'));
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling.json'));
    execFileSync('mkfifo', [join(dir, 'fifo.json')]);

    const state = await readMaintenance(dir);
    expect(state.entries).toEqual([entry('web')]);
    const issues = Object.fromEntries(state.issues.map((issue) => [issue.file, issue.problem]));
    expect(Object.keys(issues)).toEqual([
      'README',
      'alias.json',
      'api.json',
      'corrupt.json',
      'dangling.json',
      'db',
      'fifo.json',
      'huge.json',
      'latin1.json',
      'passwd.json',
      'sub.json',
      'subdir',
      'web.json.bak',
    ]);
    expect(issues).toMatchObject({
      README: expect.stringMatching(/^is not a maintenance entry/),
      'alias.json': expect.stringMatching(/^is a symbolic link.*never followed/),
      'api.json': 'names "db" with no port (db.json) but the file is "api.json"',
      'corrupt.json': 'is not valid JSON',
      'dangling.json': expect.stringMatching(/^is a symbolic link/),
      db: expect.stringMatching(/^is not a maintenance entry/),
      'fifo.json': expect.stringMatching(/^is not a maintenance entry/),
      'huge.json': 'is larger than 64 KiB',
      'latin1.json': 'is not UTF-8 text',
      'passwd.json': expect.stringMatching(/^is a symbolic link/),
      'sub.json': expect.stringMatching(/^is a directory/),
      subdir: expect.stringMatching(/^is not a maintenance entry/),
      'web.json.bak': expect.stringMatching(/^is not a maintenance entry/),
    });
    // Nothing of /etc/passwd leaks into a problem.
    expect(JSON.stringify(state)).not.toContain('root:');
  });

  it('accepts a file of exactly 64 KiB', async () => {
    const text = encodeEntry(entry('web'));
    await put('web.json', text + ' '.repeat(64 * 1024 - Buffer.byteLength(text)));
    expect((await readMaintenance(dir)).entries).toEqual([entry('web')]);
  });

  it('escapes a hostile file name in the issue', async () => {
    await put('evil\nERROR forged log line.json', '{}');
    const { issues } = await readMaintenance(dir);
    expect(issues).toEqual([
      {
        file: 'evil\\u000aERROR forged log line.json',
        problem: expect.stringMatching(/^is not a maintenance entry/),
      },
    ]);
  });

  it('rejects, naming the directory, when it is not a directory', async () => {
    await writeFile(dir, 'a file');
    await expect(readMaintenance(dir)).rejects.toThrow(
      new RegExp(`cannot read the maintenance directory ".*maintenance": ENOTDIR`),
    );
  });
});

describe('writeMaintenance', () => {
  it('creates the directory, writes the entry, and returns its path', async () => {
    const nested = join(dir, 'deeper');
    const full = entry('web', { port: 8080, until: SINCE + 60_000, user: 'alice' });
    const path = await writeMaintenance(nested, full);
    expect(path).toBe(join(nested, 'web@8080.json'));
    expect(await readFile(path, 'utf8')).toBe(encodeEntry(full));
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    expect((await stat(nested)).isDirectory()).toBe(true);
    expect(await readMaintenance(nested)).toEqual({ entries: [full], issues: [] });
  });

  it('replaces an existing entry and leaves no temp file behind', async () => {
    await writeMaintenance(dir, entry('web'));
    await writeMaintenance(dir, entry('web', { mode: 'drain', reason: 'second' }));
    await writeMaintenance(dir, entry('all'));
    expect((await readdir(dir)).sort()).toEqual(['all.json', 'web.json']);
    expect((await readMaintenance(dir)).entries).toEqual([
      entry('all'),
      entry('web', { mode: 'drain', reason: 'second' }),
    ]);
  });

  it('replaces a symbolic link at the entry name instead of writing through it', async () => {
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'precious');
    await mkdir(dir);
    await symlink(outside, join(dir, 'web.json'));
    await writeMaintenance(dir, entry('web'));
    expect(await readFile(outside, 'utf8')).toBe('precious');
    expect((await readMaintenance(dir)).entries).toEqual([entry('web')]);
  });

  it.each([
    [entry('../x'), /contains "\/"/],
    [entry('a/b'), /contains "\/"/],
    [entry('..'), /cannot name a maintenance target/],
    [entry('x'.repeat(10_240)), /not a valid name/],
    [entry('web\nx'), /control character/],
    [entry('web', { port: 0 }), /is not a port/],
    [entry('web', { mode: 'maint' as 'down' }), /"mode" must be/],
    [entry('web', { reason: 'two\nlines' }), /"reason" contains a control character/],
    [entry('web', { since: Number.NaN }), /"since" must be an ISO-8601 time/],
    [entry('web', { until: SINCE }), /"until" must be later than "since"/],
    [entry('web', { user: '' }), /"user" must not be empty/],
  ])('refuses an invalid entry and writes nothing (%#)', async (bad, message) => {
    await expect(writeMaintenance(dir, bad)).rejects.toThrow(message);
    await expect(readdir(root)).resolves.toEqual([]);
  });

  it('ends concurrent writes of one entry with exactly one whole file', async () => {
    const writes = Array.from({ length: 40 }, (_, index) =>
      entry('web', { reason: `writer ${index} ${'x'.repeat(index * 20)}` }),
    );
    await Promise.all(writes.map((each) => writeMaintenance(dir, each)));
    expect(await readdir(dir)).toEqual(['web.json']);
    const state = await readMaintenance(dir);
    expect(state.issues).toEqual([]);
    expect(writes).toContainEqual(state.entries[0]);
  });

  it('never lets a concurrent reader see a partial entry', async () => {
    await writeMaintenance(dir, entry('web'));
    let writing = true;
    const seen: string[] = [];
    const reader = (async () => {
      while (writing) {
        const state = await readMaintenance(dir);
        seen.push(`${state.entries.length}/${state.issues.length}`);
      }
    })();
    for (let index = 0; index < 60; index += 1) {
      await writeMaintenance(dir, entry('web', { reason: 'r'.repeat((index % 7) * 150) }));
    }
    writing = false;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['1/0']));
  });

  it('writes nothing outside its directory, whatever the entry', async () => {
    const hostile = fc.constantFrom('../x', '..', '.', 'a/b', '/etc/x', '../../tmp/y', 'web\n', '');
    const service = fc.oneof(
      hostile,
      fc.constantFrom('all', 'web', 'ALL'),
      fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/),
      fc.string(),
    );
    const time = fc.oneof(fc.integer(), fc.double(), fc.constant(SINCE));
    // Optional fields are absent half the time, so a fair share of entries is valid and written.
    const optional = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined, freq: 2 });
    const arbitraryEntry = fc.record({
      service,
      port: optional(
        fc.oneof(fc.integer({ min: -2, max: 70_000 }), fc.double(), fc.constant('80')),
      ),
      mode: fc.constantFrom('down', 'drain', 'maint', ''),
      reason: fc.string({ maxLength: 20 }),
      since: time,
      until: optional(time),
      user: optional(fc.string({ maxLength: 5 })),
    });
    let written = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryEntry, async (candidate) => {
        let path: string | undefined;
        try {
          path = await writeMaintenance(dir, candidate as MaintenanceEntry);
        } catch {
          // Refusing is fine; what matters is where things land.
        }
        const top = await readdir(root);
        expect(top.filter((name) => name !== 'maintenance')).toEqual([]);
        if (path !== undefined) {
          written += 1;
          expect(path.startsWith(`${dir}/`)).toBe(true);
          expect(path.slice(dir.length + 1)).not.toContain('/');
        }
        const state = await readMaintenance(dir);
        expect(state.issues).toEqual([]);
        await rm(dir, { recursive: true, force: true });
      }),
      { numRuns: 150 },
    );
    // The property must not hold vacuously: some of the generated entries are valid.
    expect(written).toBeGreaterThan(0);
  });
});
