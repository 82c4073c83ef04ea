import { fileURLToPath } from 'node:url';
import { createTempConfigDir, waitFor } from '@lighthouse/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCliOnce, startCli } from './support.js';

/**
 * A plugin whose native addon was never built (npm 11 skips install scripts not listed in
 * "allowScripts"): on Node 20 its failed import is also reported as an unhandled rejection, which
 * used to kill `lighthouse plugins`, `validate` and the daemons with a raw stack. It must be one
 * load failure with what to do, and a daemon must keep running without that plugin.
 */

const project = fileURLToPath(
  new URL('../packages/core/test/fixtures/projects/unbuilt-native-addon', import.meta.url),
);
const crashed = /Node\.js v\d+|at ModuleLoader|unexpected error, exiting/;

describe('a plugin whose native addon is not built', () => {
  it('is a load failure in `lighthouse plugins`, with the commands that fix it', async () => {
    const run = await runCliOnce(['plugins', '--root', project]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^checks\s+native\s+lighthouse-check-native\s+1\.0\.0\s+ERROR$/m);
    expect(run.stdout).toMatch(/^discovery\s+zookeeper\s+.*ok$/m); // the rest is listed
    expect(run.stderr).toContain('Code: LH_PLUGIN_LOAD_FAILED');
    expect(run.stderr).toContain('its native addon fake-addon is not built for this machine');
    expect(run.stderr).toContain(
      'npm install-scripts approve fake-addon && npm rebuild fake-addon',
    );
    expect(run.stderr).not.toMatch(crashed);
  });

  it('is a load failure in `lighthouse validate` naming the file that uses it', async () => {
    const dir = await createTempConfigDir({
      'services/web.yaml': 'port: 8080\nchecks:\n  native: {}\n',
    });
    onTestFinished(() => dir.cleanup());
    const run = await runCliOnce(['validate', dir.dir, '--root', project]);
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain('fake-addon is not built');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(crashed);
  });

  it('leaves a reporter running, without that check, until it is stopped', async () => {
    const dir = await createTempConfigDir({
      'services/web.yaml': 'port: 8080\nchecks:\n  native: {}\n',
    });
    onTestFinished(() => dir.cleanup());
    // Its state (control socket, maintenance) in the temp dir, never in /var/lib/lighthouse.
    await dir.write('reporter.yaml', `state_dir: ${dir.dir}/state\n`);
    const reporter = startCli(['reporter', dir.dir, '--root', project, '--log-format', 'json']);
    onTestFinished(() => void reporter.stop('SIGKILL'));
    await waitFor(() => reporter.output().includes('fake-addon is not built'), {
      what: 'the load failure in the log',
      timeoutMs: 15_000,
    });
    // Had the echo of the failed import crashed it, it would have exited 3 by now.
    expect(reporter.child.exitCode).toBeNull();
    expect(await reporter.stop()).toBe(0);
    expect(reporter.output()).not.toMatch(crashed);
  });
});
