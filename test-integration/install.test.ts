import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  createTempConfigDir,
  createTempDir,
  freePort,
  startZooKeeper,
  waitFor,
} from '@lighthouse/testing';
import type { TempDir, ZooKeeperServer } from '@lighthouse/testing';
import { runCliOnce, startCli, watchCluster } from './support.js';

/**
 * docs/install.md done as an operator does it, outside the monorepo: every package is packed
 * with `npm pack`, the deployment's package.json is the one the doc shows (only the CLI, the
 * http check, ZooKeeper discovery and the HAProxy balancer), `npm install` builds the ZooKeeper
 * addon because the doc's `allowScripts` allows it, and a reporter started the doc's way
 * registers a service in a real ZooKeeper. Then the same with the addon deliberately unbuilt,
 * and a third-party check packed from examples/ added the way the doc adds a plugin.
 */

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../', import.meta.url));
const demoApp = join(root, 'examples', 'demo', 'app.mjs');
const packed = [
  'packages/core',
  'packages/cli',
  'packages/check-http',
  'packages/zookeeper-discovery',
  'packages/haproxy-balancer',
  'examples/lighthouse-check-example',
];
const crashed = /^\s+at |Node\.js v\d+|unexpected error/m;

/** The first ```json block after `heading` in a Markdown text. */
function jsonBlock(text: string, heading: string): unknown {
  const section = text.slice(text.indexOf(heading));
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  if (!text.includes(heading) || block === undefined)
    throw new Error(`docs/install.md has no json block after "${heading}"`);
  return JSON.parse(block);
}

interface Deployment {
  dir: string;
  bin(name: 'lighthouse' | 'lighthouse-reporter'): string;
  npm(args: string[]): Promise<{ stdout: string; stderr: string }>;
}

const npmEnv = { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' };

describe('installing from packed tarballs, as docs/install.md says', () => {
  let tarballs: TempDir;
  /** Package name → `file:` spec of its tarball: what the doc cannot know before publishing. */
  const specs = new Map<string, string>();
  let manifest: { dependencies: Record<string, string> } & Record<string, unknown>;
  let zookeeper: ZooKeeperServer;

  beforeAll(async () => {
    const doc = await readFile(join(root, 'docs', 'install.md'), 'utf8');
    manifest = jsonBlock(doc, '## 2. The deployment directory') as typeof manifest;
    tarballs = await createTempDir({}, 'lh-tarballs-');
    const { stdout } = await exec(
      'npm',
      [
        'pack',
        ...packed.map((dir) => join(root, dir)),
        '--pack-destination',
        tarballs.dir,
        '--json',
      ],
      { env: npmEnv, maxBuffer: 16 * 1024 * 1024 },
    );
    for (const { name, filename } of JSON.parse(stdout) as { name: string; filename: string }[])
      specs.set(name, `file:${join(tarballs.dir, filename)}`);
    zookeeper = await startZooKeeper();
  }, 120_000);
  afterAll(async () => {
    await zookeeper?.stop();
    await tarballs?.cleanup();
  });

  /**
   * A deployment directory with the doc's package.json, every @lighthouse package (and the
   * core the CLI depends on) resolved to its tarball through `overrides`, installed with npm.
   */
  async function deploy(npmArgs: readonly string[] = []): Promise<Deployment> {
    const temp = await createTempDir({}, 'lh-deployment-');
    onTestFinished(() => temp.cleanup());
    const tarballOf = (name: string): string => {
      const spec = specs.get(name);
      if (spec === undefined) throw new Error(`${name} was not packed`);
      return spec;
    };
    const dependencies = Object.fromEntries(
      Object.keys(manifest.dependencies).map((name) => [name, tarballOf(name)]),
    );
    const overrides = { '@lighthouse/core': tarballOf('@lighthouse/core') };
    await writeFile(
      join(temp.dir, 'package.json'),
      JSON.stringify({ ...manifest, dependencies, overrides }, null, 2),
    );
    const deployment: Deployment = {
      dir: temp.dir,
      bin: (name) => join(temp.dir, 'node_modules', '.bin', name),
      npm: (args) => exec('npm', args, { cwd: temp.dir, env: npmEnv, maxBuffer: 16 * 1024 * 1024 }),
    };
    await deployment.npm(['install', '--prefer-offline', '--loglevel=error', ...npmArgs]);
    return deployment;
  }

  /** A config directory like /etc/lighthouse: ZooKeeper discovery and one http-checked service. */
  async function configFor(appPort: number): Promise<string> {
    const config = await createTempConfigDir();
    onTestFinished(() => config.cleanup());
    await config.write('reporter.yaml', `state_dir: ${join(config.dir, 'state')}\n`);
    await config.write(
      'discovery/zookeeper.yaml',
      `hosts: ["${zookeeper.connectString}"]\npath: /lighthouse/services\nsession_timeout: 4\n`,
    );
    await config.write(
      'services/web.yaml',
      `port: ${appPort}\ndiscovery: zookeeper\nchecks:\n  interval: 0.2\n  http:\n    uri: /health\n    rise: 1\n    fall: 1\n`,
    );
    return config.dir;
  }

  it('shows the same package.json as examples/deployment', async () => {
    const example: unknown = JSON.parse(
      await readFile(join(root, 'examples', 'deployment', 'package.json'), 'utf8'),
    );
    expect(manifest).toEqual(example);
    expect(manifest['allowScripts']).toEqual({ zookeeper: true });
    expect(Object.keys(manifest.dependencies)).not.toContain('@lighthouse/check-tcp');
  });

  it('installs only the chosen plugins; validate, plugins and a reporter work', async () => {
    const deployment = await deploy();
    // The doc's allowScripts entry covers the addon's install script: nothing is pending.
    const scripts = await deployment.npm(['install-scripts', 'ls']);
    expect(`${scripts.stdout}${scripts.stderr}`).not.toContain('not yet covered');
    await expect(
      readFile(join(deployment.dir, 'node_modules/zookeeper/build/Release/zookeeper.node')),
    ).resolves.toBeDefined();

    const appPort = await freePort();
    const app = startCli(['--port', String(appPort)], { bin: demoApp });
    onTestFinished(() => void app.stop('SIGKILL'));
    const config = await configFor(appPort);
    const options = { bin: deployment.bin('lighthouse') };

    // No --root: the CLI uses the deployment it is installed in, as the doc says.
    const valid = await runCliOnce(['validate', config], options);
    expect(valid.stdout).toContain('ok: 3 file(s) valid');
    expect(valid.code).toBe(0);

    // --help points at the docs the package installed, not at a repository the operator lacks.
    const help = await runCliOnce(['--help'], options);
    const docs = /^Docs: (\S+) \(/m.exec(help.stdout)?.[1] ?? '';
    expect(docs).toBe(join(deployment.dir, 'node_modules', '@lighthouse', 'cli', 'docs'));
    await expect(readFile(join(docs, 'install.md'), 'utf8')).resolves.toContain('allowScripts');

    const plugins = await runCliOnce(['plugins', '--root', deployment.dir], options);
    expect(plugins.code).toBe(0);
    const listed = [
      ...plugins.stdout.matchAll(/^(\w+)\s+(\S+)\s+(@lighthouse\/\S+)\s+\S+\s+ok$/gm),
    ];
    expect(listed.map(([, kind, name]) => `${kind}/${name}`).sort()).toEqual([
      'balancers/haproxy',
      'checks/http',
      'discovery/zookeeper',
    ]);

    const watcher = await watchCluster(zookeeper.connectString, '/lighthouse/services', 'web');
    onTestFinished(() => watcher.close());
    const reporter = startCli(
      [config, '--advertise-host', 'app-1', '--advertise-ip', '127.0.0.1'],
      { bin: deployment.bin('lighthouse-reporter') },
    );
    onTestFinished(() => void reporter.stop('SIGKILL'));
    await waitFor(() => watcher.nodes()?.length === 1, {
      what: `the registration (reporter output: ${reporter.output()})`,
      timeoutMs: 20_000,
    });
    expect(watcher.nodes()).toEqual([
      { host: 'app-1', ip: '127.0.0.1', port: appPort, metadata: {} },
    ]);
    expect(await reporter.stop()).toBe(0);
    expect(reporter.output()).not.toMatch(crashed);

    // Adding a third-party check the way the doc adds a plugin: npm install in the deployment.
    await deployment.npm([
      'install',
      '--prefer-offline',
      '--loglevel=error',
      specs.get('lighthouse-check-example') ?? '',
    ]);
    const withExample = await runCliOnce(['plugins', '--root', deployment.dir], options);
    expect(withExample.code).toBe(0);
    expect(withExample.stdout).toMatch(
      /^checks\s+file-exists\s+lighthouse-check-example\s+0\.1\.0\s+ok$/m,
    );
    await writeFile(
      join(config, 'services', 'web.yaml'),
      `port: ${appPort}\ndiscovery: zookeeper\nchecks:\n  interval: 1\n  file-exists:\n    path: ${demoApp}\n    rise: 1\n    fall: 1\n`,
    );
    const validExample = await runCliOnce(['validate', config], options);
    expect(validExample.stdout).toContain('ok: 3 file(s) valid');
  }, 300_000);

  it('with the addon deliberately unbuilt: one clear error per file, the fix, exit 1', async () => {
    const deployment = await deploy(['--ignore-scripts']);
    const config = await configFor(await freePort());
    const run = await runCliOnce(['validate', config, '--root', deployment.dir], {
      bin: deployment.bin('lighthouse'),
    });
    expect(run.code).toBe(1);
    const problems = run.stdout.trim().split('\n');
    expect(problems.length).toBeGreaterThan(0);
    for (const line of problems) expect(line).toMatch(/zookeeper is not built for this machine/);
    expect(run.stderr).toMatch(
      /^Try this: .*npm install-scripts approve zookeeper && npm rebuild zookeeper/m,
    );
    expect(`${run.stdout}${run.stderr}`).not.toMatch(crashed);
    // What the message (and the doc) says to do about it makes the same directory valid.
    await deployment.npm(['install-scripts', 'approve', 'zookeeper']);
    await deployment.npm(['rebuild', 'zookeeper', '--loglevel=error']);
    const fixed = await runCliOnce(['validate', config, '--root', deployment.dir], {
      bin: deployment.bin('lighthouse'),
    });
    expect(fixed.stdout).toContain('ok: 3 file(s) valid');
  }, 300_000);
});
