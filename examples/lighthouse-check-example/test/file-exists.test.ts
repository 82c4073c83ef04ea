import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, describeCheckPlugin, performCheck } from '@lighthouse/testing';
import fileExists from '../src/index.js';

// How a third-party author tests a check: the conformance suite from @lighthouse/testing, then
// the plugin's own behaviour through performCheck (config validated as a service file's, one run
// through the engine's runCheck). The check reads a file and never connects to its target, so
// the suite skips the network cases, and its healthy case is a file that exists.
describeCheckPlugin(fileExists, {
  source: 'lighthouse-check-example/dist/index.js',
  connects: false,
  validConfig: { path: '/nonexistent/lighthouse-example' },
  healthy: async () => {
    const temp = await createTempDir({ ready: '' });
    return { config: { path: join(temp.dir, 'ready') }, close: temp.cleanup };
  },
});

describe('file-exists', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lighthouse-example-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const target = { host: '127.0.0.1', port: 1 };

  it('passes while the file exists and fails, naming it, while it does not', async () => {
    const path = join(dir, 'ready');
    expect(await performCheck(fileExists, { path }, target)).toEqual({
      ok: false,
      reason: `${path} does not exist`,
    });
    await writeFile(path, '');
    expect(await performCheck(fileExists, { path }, target)).toEqual({ ok: true });
  });

  it('with absent: true, passes while the file does not exist', async () => {
    const path = join(dir, 'maintenance');
    expect(await performCheck(fileExists, { path, absent: true }, target)).toEqual({ ok: true });
    await writeFile(path, '');
    expect(await performCheck(fileExists, { path, absent: true }, target)).toEqual({
      ok: false,
      reason: `${path} exists`,
    });
  });

  it('rejects a relative path', async () => {
    await expect(performCheck(fileExists, { path: 'ready' }, target)).rejects.toThrow(/\/path/);
  });
});
