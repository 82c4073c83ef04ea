import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTempDir } from '@lighthouse/testing';
import { runCli } from './run-cli.js';

/**
 * `lighthouse validate` on a directory with nothing of lighthouse in it is an error that says
 * what a config directory holds, not "ok: 0 file(s) valid" (most likely the wrong directory).
 */

async function directoryWith(files: Record<string, string>, dirs: string[] = []): Promise<string> {
  const temp = await createTempDir();
  onTestFinished(() => temp.cleanup());
  for (const dir of dirs) await mkdir(join(temp.dir, dir), { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(temp.dir, file), text);
  return temp.dir;
}

describe('lighthouse validate: a directory without lighthouse files', () => {
  it.each([
    ['an empty directory', {}, []],
    [
      'a directory of other things',
      { 'README.md': '# notes\n', 'haproxy.yaml': 'x: 1\n', 'services.yaml': 'port: 1\n' },
      ['conf.d', 'service'],
    ],
  ])('rejects %s, exit 1, saying what a config directory holds', async (_what, files, dirs) => {
    const dir = await directoryWith(files, dirs);
    const run = await runCli(['validate', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `${dir}: no lighthouse config files here (no reporter.yaml, writer.yaml, logging.yaml, services/, clusters/, discovery/ or balancers/); is this the config directory?`,
    );
    expect(run.stderr).toContain('A config directory holds services/<name>.yaml');
  });

  it.each([
    ['an empty clusters/', {}, ['clusters']],
    ['logging.yml alone', { 'logging.yml': 'level: info\n' }, []],
  ])('validates a directory with %s as before', async (_what, files, dirs) => {
    const dir = await directoryWith(files, dirs);
    const run = await runCli(['validate', dir]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^ok: [01] file\(s\) valid in /);
    expect(run.code).toBe(0);
  });

  it('says so in --help', async () => {
    const run = await runCli(['validate', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 problems found or nothing to validate');
  });
});
