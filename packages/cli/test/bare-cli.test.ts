import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempDir, createTempProject } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { runCli } from './run-cli.js';

/**
 * @lighthouse/cli on its own depends on core only: the plugins are whatever the project around
 * the config directory installs. These run the CLI's own bins (not @lighthouse/all's).
 */
const httpCheck = fileURLToPath(new URL('../../check-http', import.meta.url));

const serviceFiles = {
  'services/web.yaml':
    'port: 8080\ndiscovery: zookeeper\nchecks:\n  interval: 1\n  http:\n    uri: /health\n',
  'discovery/zookeeper.yaml': 'hosts: ["127.0.0.1:2181"]\n',
};

describe('@lighthouse/cli without plugins', () => {
  const temps: TempDir[] = [];
  afterEach(async () => {
    await Promise.all(temps.splice(0).map((temp) => temp.cleanup()));
  });
  const track = (temp: TempDir): TempDir => {
    temps.push(temp);
    return temp;
  };

  it('plugins: says none is installed, where it looked and what to install, exit 1', async () => {
    const dir = track(await createTempDir()).dir;
    const run = await runCli(['plugins', dir], { bare: true });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('No lighthouse plugins are installed');
    expect(run.stderr).toContain(`there is no package.json at or above ${dir}`);
    expect(run.stderr).toMatch(/Try this:[\s\S]*npm init -y[\s\S]*@lighthouse\/check-http/);
    expect(run.stderr).toContain('@lighthouse/all for all of them');
  });

  it('validate: names the exact first-party package for each plugin a file uses', async () => {
    const config = track(await createTempDir(serviceFiles));
    const run = await runCli(['validate', config.dir], { bare: true });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Check "http" is not provided by any installed package');
    expect(run.stderr).toMatch(/^Try this: .*npm install @lighthouse\/check-http /m);
    expect(run.stderr).toMatch(/^Try this: .*npm install @lighthouse\/zookeeper-discovery /m);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
  });

  it('validate: finds the plugins the project around the config directory installs', async () => {
    const project = track(
      await createTempProject({ '@lighthouse/check-http': httpCheck }, serviceFiles),
    );
    const run = await runCli(['validate', project.dir], { bare: true });
    // The check is found now; only the discovery method is still missing, with its package.
    expect(run.stdout).not.toContain('Check "http"');
    expect(run.stdout).toContain('Discovery method "zookeeper" is not provided');
    expect(run.stderr).toContain(
      `Try this: npm install @lighthouse/zookeeper-discovery (or @lighthouse/all for every first-party plugin) in ${project.dir}`,
    );
    expect(run.code).toBe(1);
  });

  it('plugins --root: lists what that project installs, exit 0', async () => {
    const project = track(await createTempProject({ '@lighthouse/check-http': httpCheck }));
    const run = await runCli(['plugins', '--root', project.dir], { bare: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^checks\s+http\s+@lighthouse\/check-http\s+\S+\s+ok$/m);
    expect(run.stdout).not.toContain('zookeeper');
  });

  it('schema: still writes the schemas, warning that plugin sections are missing', async () => {
    const dir = track(await createTempDir()).dir;
    const run = await runCli(['schema'], { bare: true, cwd: dir });
    expect(run.code).toBe(0);
    expect(Object.keys(JSON.parse(run.stdout) as object)).toContain('service');
    expect(run.stderr).toContain('No lighthouse plugins are installed');
  });
});
