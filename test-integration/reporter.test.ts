import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempConfigDir,
  createTempProject,
  freePort,
  spawnClean,
  startZooKeeper,
  waitFor,
} from '@lighthouse/testing';
import type { ZooKeeperServer } from '@lighthouse/testing';
import { startCli, watchCluster } from './support.js';
import type { CliProcess } from './support.js';

const demoApp = fileURLToPath(new URL('../examples/demo/app.mjs', import.meta.url));
const examplePlugin = fileURLToPath(
  new URL('../examples/lighthouse-check-example', import.meta.url),
);

/** Starts the demo web app on a free port; it answers /health until POST /fail. */
async function startApp(): Promise<{
  port: number;
  child: ChildProcess;
  post(path: string): Promise<void>;
}> {
  const port = await freePort();
  const child = spawnClean(process.execPath, [demoApp, '--port', String(port)]);
  child.stdout.resume();
  child.stderr.resume();
  const post = async (path: string) =>
    void (await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST' }));
  await waitFor(() => fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok), {
    what: 'the app to listen',
  });
  return { port, child, post };
}

describe('lighthouse reporter against a real ZooKeeper', () => {
  let zookeeper: ZooKeeperServer;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    zookeeper = await startZooKeeper();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await zookeeper.stop();
  });

  /** Writes a config directory (`configDir`, else a new temp dir) and starts a reporter on it. */
  async function reporterFor(
    files: Record<string, string>,
    configDir?: string,
  ): Promise<{ cli: CliProcess; dir: string }> {
    let dir = configDir;
    if (dir === undefined) {
      const temp = await createTempConfigDir();
      cleanups.push(() => temp.cleanup());
      dir = temp.dir;
    }
    const all = {
      'reporter.yaml': `state_dir: ${join(dir, 'state')}\n`,
      'discovery/zookeeper.yaml': `hosts: ["${zookeeper.connectString}"]\npath: /lighthouse/services\nsession_timeout: 4\n`,
      ...files,
    };
    for (const [file, text] of Object.entries(all)) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    const cli = startCli([
      'reporter',
      dir,
      '--advertise-host',
      'app-1',
      '--advertise-ip',
      '127.0.0.1',
    ]);
    cleanups.push(() => cli.stop('SIGKILL'));
    return { cli, dir };
  }

  async function watch(cluster: string) {
    const watcher = await watchCluster(zookeeper.connectString, '/lighthouse/services', cluster);
    cleanups.push(() => watcher.close());
    return watcher;
  }

  it('registers a healthy service, removes it when it fails and brings it back when it recovers', async () => {
    const app = await startApp();
    cleanups.push(async () => app.child.kill());
    const watcher = await watch('webapp');
    await reporterFor({
      'services/webapp.yaml': `port: ${app.port}\ndiscovery: zookeeper\nchecks:\n  interval: 0.2\n  http:\n    uri: /health\n    rise: 1\n    fall: 1\n`,
    });
    const nodes = await waitFor(() => watcher.nodes()?.length === 1 && watcher.nodes(), {
      timeoutMs: 15_000,
      what: 'the registration',
    });
    expect(nodes).toEqual([{ host: 'app-1', ip: '127.0.0.1', port: app.port, metadata: {} }]);
    await app.post('/fail');
    await waitFor(() => watcher.nodes()?.length === 0, {
      what: 'deregistration after the check fails',
    });
    await app.post('/recover');
    await waitFor(() => watcher.nodes()?.length === 1, { what: 're-registration after recovery' });
  });

  it('registers one node per port of a multi-port service', async () => {
    const [first, second] = [await startApp(), await startApp()];
    cleanups.push(
      async () => first.child.kill(),
      async () => second.child.kill(),
    );
    const watcher = await watch('multi');
    await reporterFor({
      'services/multi.yaml': `ports: [${first.port}, ${second.port}]\ndiscovery: zookeeper\nchecks:\n  interval: 0.2\n  tcp:\n    rise: 1\n    fall: 1\n`,
    });
    const ports = await waitFor(
      () => watcher.nodes()?.length === 2 && watcher.nodes()?.map((node) => node.port),
      { timeoutMs: 15_000 },
    );
    expect(ports).toEqual([first.port, second.port].sort((a, b) => a - b));
  });

  it('SIGTERM deregisters at once and exits 0; SIGKILL leaves the node until the session expires', async () => {
    const app = await startApp();
    cleanups.push(async () => app.child.kill());
    const watcher = await watch('shutdown');
    const service = {
      'services/shutdown.yaml': `port: ${app.port}\ndiscovery: zookeeper\nchecks:\n  interval: 0.2\n  tcp:\n    rise: 1\n    fall: 1\n`,
    };
    const graceful = await reporterFor(service);
    await waitFor(() => watcher.nodes()?.length === 1, { timeoutMs: 15_000 });
    const stoppedAt = Date.now();
    expect(await graceful.cli.stop('SIGTERM')).toBe(0);
    await waitFor(() => watcher.nodes()?.length === 0, {
      timeoutMs: 2_000,
      what: 'removal on SIGTERM',
    });
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);

    const killed = await reporterFor(service, graceful.dir);
    await waitFor(() => watcher.nodes()?.length === 1, { timeoutMs: 15_000 });
    const killedAt = Date.now();
    await killed.cli.stop('SIGKILL');
    await waitFor(() => watcher.nodes()?.length === 0, {
      timeoutMs: 15_000,
      what: 'removal after the session timeout',
    });
    // The ephemeral outlives the process by about the session timeout (4 s here): ZooKeeper, not
    // the dead reporter, removes it.
    expect(Date.now() - killedAt).toBeGreaterThan(2_000);
  });

  it('uses a third-party check plugin installed in the project (lighthouse-check-example)', async () => {
    const project = await createTempProject({ 'lighthouse-check-example': examplePlugin });
    cleanups.push(() => project.cleanup());
    const app = await startApp();
    cleanups.push(async () => app.child.kill());
    const ready = join(project.dir, 'ready');
    const watcher = await watch('gated');
    // The config directory lives inside the project, so the project's package.json (which
    // depends on the plugin) is the root plugins are discovered from.
    const { cli } = await reporterFor(
      {
        'services/gated.yaml': `port: ${app.port}\ndiscovery: zookeeper\nchecks:\n  interval: 0.2\n  file-exists:\n    path: ${ready}\n    rise: 1\n    fall: 1\n`,
      },
      join(project.dir, 'config'),
    );
    await waitFor(() => cli.output().includes('reporter started'), {
      timeoutMs: 15_000,
      what: 'the reporter to start',
    });
    expect(watcher.nodes() ?? []).toEqual([]);
    await writeFile(ready, '');
    await waitFor(() => watcher.nodes()?.length === 1, {
      timeoutMs: 10_000,
      what: 'registration once the file exists',
    });
    expect(cli.output()).not.toMatch(/LH_PLUGIN/);
  });
});
