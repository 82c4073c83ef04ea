import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDirectory } from '../src/ensure-directory.js';

describe('ensureDirectory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lighthouse-ensure-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates every missing level, and is fine when it exists', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    await ensureDirectory(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await expect(ensureDirectory(deep)).resolves.toBeUndefined();
  });

  it('fails (instead of hanging, as Node’s recursive mkdir does) below /proc', async () => {
    await expect(ensureDirectory('/proc/lighthouse-nope/state')).rejects.toThrow(/ENOENT/);
  });

  it('fails when a level is a file', async () => {
    await writeFile(join(dir, 'file'), '');
    await expect(ensureDirectory(join(dir, 'file', 'x'))).rejects.toThrow(/ENOTDIR/);
  });
});
