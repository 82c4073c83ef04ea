import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { runCli } from './run-cli.js';

const fixtures = fileURLToPath(new URL('../../core/test/fixtures/projects/', import.meta.url));
const examplePlugin = fileURLToPath(
  new URL('../../../examples/lighthouse-check-example', import.meta.url),
);

describe('lighthouse plugins', () => {
  let project: TempDir | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it('lists the bundled plugins with their packages', async () => {
    const run = await runCli(['plugins']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^KIND\s+NAME\s+PACKAGE\s+VERSION\s+STATUS$/m);
    for (const [kind, name, pkg] of [
      ['balancers', 'haproxy', '@lighthouse/haproxy-balancer'],
      ['checks', 'http', '@lighthouse/check-http'],
      ['checks', 'redis', '@lighthouse/check-redis'],
      ['checks', 'tcp', '@lighthouse/check-tcp'],
      ['discovery', 'zookeeper', '@lighthouse/zookeeper-discovery'],
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^${kind}\\s+${name}\\s+${pkg}\\s+\\S+\\s+ok$`, 'm'));
    }
  });

  it('lists a third-party plugin installed in the project', async () => {
    project = await createTempProject({ 'lighthouse-check-example': examplePlugin });
    const run = await runCli(['plugins', '--root', project.dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^checks\s+file-exists\s+lighthouse-check-example\s+0\.1\.0\s+ok$/m);
  });

  it.each([
    ['throws-on-import', 'LH_PLUGIN_LOAD_FAILED', /failed to load: importing \.\/index\.js threw/],
    ['missing-inner-dependency', 'LH_PLUGIN_LOAD_FAILED', /failed to load/],
    ['entry-missing', 'LH_PLUGIN_INVALID', /does not exist/],
    ['wrong-shape', 'LH_PLUGIN_INVALID', /./],
    ['wrong-api-version', 'LH_PLUGIN_INVALID', /apiVersion/],
    ['duplicate-name', 'LH_PLUGIN_CONFLICT', /./],
  ])('reports a broken plugin package (%s) as %s and exits 1', async (scenario, code, message) => {
    const run = await runCli(['plugins', '--root', `${fixtures}${scenario}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Code: ${code}`);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Try this:');
    // The healthy bundled plugins are still listed.
    expect(run.stdout).toMatch(/^checks\s+http\s+@lighthouse\/check-http/m);
  });
});
