// The writers of the fleet harness (bench/fleet-harness.mjs): each a real `lighthouse writer`
// process with its own config directory and HAProxy on loopback ports, started clean (no
// inherited sockets) and stopped by PID; and the poller that watches a writer's routing.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, loopbackHAProxyYaml, spawnClean, waitFor } from '@lighthouse/testing';
import { alive } from './fleet-processes.mjs';
// Internals of the HAProxy plugin, which its package does not export: imported from the build.
import { RuntimeApi } from '../packages/haproxy-balancer/dist/runtime/runtime-api.js';

const cli = join(resolve(import.meta.dirname, '..'), 'packages/all/bin/lighthouse.js');
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Maintenance bits of `srv_admin_state` (forced, inherited, config): not routed. */
const MAINT = 0x01 | 0x02 | 0x04;

async function writeFiles(dir, files) {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
}

/** Polls one writer's admin socket while someone waits for a route to appear or go. */
export class RoutePoller {
  waits = new Set();
  running = false;

  constructor(socketFile, intervalMs) {
    this.socketFile = socketFile;
    this.intervalMs = intervalMs;
    this.runtime = new RuntimeApi(socketFile);
  }

  /** Server names HAProxy runs for `cluster`, up and not in maintenance. */
  async routed(cluster) {
    try {
      const servers = await this.runtime.showServersState(cluster);
      return new Set(
        servers
          .filter((server) => server.opState === 2 && (server.adminState & MAINT) === 0)
          .map((server) => server.server),
      );
    } catch (error) {
      this.runtime.reset();
      throw error;
    }
  }

  /** Resolves with the time (performance.now) of the first look that shows `name` so. */
  until(cluster, name, routed) {
    return new Promise((done) => {
      this.waits.add({ cluster, name, routed, done });
      if (!this.running) void this.run();
    });
  }

  async run() {
    this.running = true;
    while (this.waits.size > 0) {
      for (const cluster of new Set([...this.waits].map((wait) => wait.cluster))) {
        const names = await this.routed(cluster).catch(() => undefined);
        const now = performance.now();
        if (names === undefined) continue;
        for (const wait of this.waits) {
          if (wait.cluster !== cluster || names.has(wait.name) !== wait.routed) continue;
          this.waits.delete(wait);
          wait.done(now);
        }
      }
      await sleep(this.intervalMs);
    }
    this.running = false;
  }

  close() {
    this.runtime.reset();
  }
}

/**
 * Ports handed out by this process: freePort() only says a port is free now, and every writer's
 * ports are chosen before any writer binds them, so a port must not be handed out twice.
 */
const taken = new Set();
async function uniquePort() {
  for (;;) {
    const port = await freePort();
    if (taken.has(port)) continue;
    taken.add(port);
    return port;
  }
}

export async function writerConfig(work, index, clusters, discoveryYaml) {
  const dir = join(work, `writer-${index}`);
  const haproxyDir = join(dir, 'haproxy');
  await mkdir(haproxyDir, { recursive: true });
  const writer = {
    index,
    dir,
    configDir: join(dir, 'config'),
    configFile: join(haproxyDir, 'haproxy.cfg'),
    socketFile: join(haproxyDir, 'admin.sock'),
    pidFile: join(haproxyDir, 'haproxy.pid'),
    metricsPort: await uniquePort(),
    ports: new Map(),
    output: '',
  };
  const files = {
    'writer.yaml': [
      `state_dir: ${join(dir, 'state')}`,
      'metrics:',
      `  listen: 127.0.0.1:${writer.metricsPort}`,
      '',
    ].join('\n'),
    'discovery/zookeeper.yaml': discoveryYaml,
    'balancers/haproxy.yaml': loopbackHAProxyYaml(writer, ['global:', '  - "hard-stop-after 5s"']),
  };
  for (const cluster of clusters) {
    const port = await uniquePort();
    writer.ports.set(cluster, port);
    files[`clusters/${cluster}.yaml`] = [
      'discovery: zookeeper',
      'haproxy:',
      `  port: ${port}`,
      '  backend:',
      '    - "mode http"',
      '',
    ].join('\n');
  }
  await writeFiles(writer.configDir, files);
  return writer;
}

export function startWriter(writer, nodeArgs) {
  const args = [...nodeArgs, cli, 'writer', writer.configDir, '--log-format', 'json'];
  // Clean: a writer must not hold this process's 200 ZooKeeper sessions' sockets (spawnClean).
  const child = spawnClean(process.execPath, args, {
    env: { ...process.env, NO_COLOR: '1', DEBUG: '' },
  });
  const keep = (chunk) => (writer.output = (writer.output + chunk).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  writer.child = child;
  writer.pid = child.pid;
  writer.exited = new Promise((done) => child.once('exit', (code, signal) => done(code ?? signal)));
}

/** The PID of the HAProxy master of `writer`, if /proc shows it runs the writer's config file. */
export async function haproxyPid(writer) {
  const pid = Number((await readFile(writer.pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(writer.configFile) ? pid : undefined;
}

/** SIGTERM to the writer (SIGKILL after 5 s), then to its HAProxy (SIGKILL after 10 s). */
export async function stopWriter(writer) {
  writer.poller?.close();
  if (writer.child.exitCode === null && writer.child.signalCode === null) {
    writer.child.kill('SIGTERM');
    if ((await Promise.race([writer.exited, sleep(5_000).then(() => 'late')])) === 'late') {
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
  }
  const pid = await haproxyPid(writer);
  if (pid === undefined) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(async () => !(await alive(pid)), { timeoutMs: 10_000 }).catch(async () => {
    if ((await haproxyPid(writer)) === pid) process.kill(pid, 'SIGKILL');
  });
}
