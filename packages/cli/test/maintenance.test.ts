import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempConfigDir } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { runCli } from './run-cli.js';

/**
 * `lighthouse down|up|status` as an operator runs them, without a reporter: what is written to
 * the state directory, what is printed, and the exit codes. (With a running reporter and
 * HAProxy: test-integration/maintenance.test.ts.)
 */

const service = (port: string) =>
  `discovery: zookeeper\n${port}\nchecks:\n  interval: 2\n  tcp:\n    rise: 1\n    fall: 1\n`;

describe('lighthouse down, up and status', () => {
  let dir: TempDir;
  let state: string;
  beforeEach(async () => {
    dir = await createTempConfigDir({
      'discovery/zookeeper.yaml': 'hosts: ["127.0.0.1:1"]\npath: /lighthouse\n',
      'services/web.yaml': service('ports: [8080, 8081]'),
      'services/api.yaml': service('port: 9000'),
    });
    state = join(dir.dir, 'state');
    await dir.write('reporter.yaml', `state_dir: ${state}\n`);
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  const lighthouse = (args: readonly string[]) => runCli([...args, '--config-dir', dir.dir]);
  const entries = () => readdir(join(state, 'maintenance')).catch(() => [] as string[]);

  it('down writes a readable entry, status shows it and exits 1, up removes it', async () => {
    const down = await lighthouse(['down', 'web', '--reason', 'deploy 4.2', '--for', '1h30m']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/^web: down for 1h30m \(until \d{4}-\d\d-\d\dT.*Z\)\n$/);
    expect(down.stderr).toContain('no reporter answers');
    expect(await entries()).toEqual(['web.json']);
    const written = JSON.parse(await readFile(join(state, 'maintenance', 'web.json'), 'utf8'));
    expect(written).toMatchObject({ service: 'web', mode: 'down', reason: 'deploy 4.2' });
    expect(Date.parse(written.until) - Date.parse(written.since)).toBe(90 * 60_000);

    const status = await lighthouse(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/web: down, since .*\(in 1h29m\d\ds\).*reason: deploy 4\.2/);
    expect(status.stdout).toContain('reporter: not running');

    const json = JSON.parse((await lighthouse(['status', '--json'])).stdout);
    expect(json).toMatchObject({
      down: true,
      reporter: null,
      maintenance: { entries: [{ service: 'web', active: true }], issues: [] },
    });

    const up = await lighthouse(['up', 'web']);
    expect(up.code).toBe(0);
    expect(up.stdout).toBe('web: up (removed web.json)\n');
    expect(await entries()).toEqual([]);
    expect((await lighthouse(['status'])).code).toBe(0);
    expect((await lighthouse(['up', 'web'])).stdout).toBe('web: was not down\n');
  });

  it('--drain, --port and all', async () => {
    expect((await lighthouse(['down', 'web', '--port', '8081', '--drain'])).stdout).toMatch(
      /^web port 8081: draining until "lighthouse up"/,
    );
    expect((await lighthouse(['down', 'all'])).code).toBe(0);
    expect((await entries()).sort()).toEqual(['all.json', 'web@8081.json']);
    const drained = JSON.parse(await readFile(join(state, 'maintenance', 'web@8081.json'), 'utf8'));
    expect(drained).toMatchObject({ service: 'web', port: 8081, mode: 'drain' });
    expect((await lighthouse(['up', 'all'])).code).toBe(0);
    expect(await entries()).toEqual([]);
  });

  it('takes $LIGHTHOUSE_CONFIG_DIR when --config-dir is not given', async () => {
    const run = await runCli(['down', 'api'], { env: { LIGHTHOUSE_CONFIG_DIR: dir.dir } });
    expect(run.code, run.stderr).toBe(0);
    expect(await entries()).toEqual(['api.json']);
  });

  it.each([
    ['a typo', ['down', 'wbe'], /no service "wbe" is configured \(did you mean "web"\?\)/],
    ['a path', ['down', '../x'], /"\.\.\/x"/],
    ['a slash', ['down', 'a/b'], /"a\/b"/],
    ['a newline', ['down', 'web\nall'], /web\\u000aall/],
    ['a 10 KB name', ['down', 'x'.repeat(10_000)], /x{20}…/],
    [
      'a port it lacks',
      ['down', 'web', '--port', '9999'],
      /service web has no port 9999 \(its ports: 8080, 8081\)/,
    ],
  ])('exits 1 for %s, writing nothing', async (_what, args, message) => {
    const run = await lighthouse(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.length).toBeLessThan(1_000);
    expect(await entries()).toEqual([]);
    expect((await readdir(dir.dir)).sort()).toEqual(['discovery', 'reporter.yaml', 'services']);
  });

  it.each([
    [['down', 'web', '--for', '5x'], /--for: "5x" is not a duration/],
    [['down', 'web', '--for', '-5m'], /--for/],
    [['down', 'web', '--for', '1.5h'], /is not a duration/],
    [['down', 'web', '--port', '70000'], /--port: .* is not a port/],
    [['down', 'web', '--reason', 'two\nlines'], /--reason must be one line of text/],
    [['down'], /missing <service\|all>/],
  ])('exits 2 for %j', async (args, message) => {
    const run = await lighthouse(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(await entries()).toEqual([]);
  });

  it('refuses to guess the state directory when reporter.yaml is invalid', async () => {
    await writeFile(join(dir.dir, 'reporter.yaml'), 'state_dir: relative/path\n');
    const run = await lighthouse(['down', 'web']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'reporter.yaml:1: /state_dir: "relative/path" is not an absolute path',
    );
  });

  it('lists corrupt and foreign files in the maintenance directory as problems', async () => {
    await lighthouse(['down', 'api']);
    await writeFile(join(state, 'maintenance', 'web.json'), '{"service": ');
    await writeFile(join(state, 'maintenance', 'README'), 'hello');
    const status = await lighthouse(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/problem: README: /);
    expect(status.stdout).toMatch(/problem: web\.json: /);
    expect(status.stdout).toMatch(/api: down/);
  });
});
