import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTempDir,
  freePort,
  loopbackHAProxyYaml,
  spawnClean,
  waitFor,
} from '@lighthouse/testing';
import { silentLogger } from '@lighthouse/core';
// Plugin internals their packages do not export, for looking at HAProxy and ZooKeeper directly.
import { RuntimeApi } from '../packages/haproxy-balancer/src/runtime/runtime-api.js';
import { AdminFlags } from '../packages/haproxy-balancer/src/runtime/show-parsers.js';
import type { ServerState } from '../packages/haproxy-balancer/src/runtime/show-parsers.js';
import { ZooKeeperSession } from '../packages/zookeeper-discovery/src/session.js';
import debug from 'debug';
import { startCli } from './support.js';
import type { CliProcess } from './support.js';

/**
 * The whole-loop harness: demo apps, `lighthouse reporter` and `lighthouse writer` processes and
 * the HAProxy the writer starts, all in one temp dir on loopback ports. Everything is stopped by
 * PID; HAProxy only after /proc shows it runs a config from this temp dir.
 */

export const demoApp = fileURLToPath(new URL('../examples/demo/app.mjs', import.meta.url));

/** Lets time pass (only where a test must: an outage of a given length). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One HTTP request without keep-alive: status and trimmed body (status 0 and the error text). */
export function httpRequest(
  port: number,
  path = '/',
  method = 'GET',
  timeoutMs = 3_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
        res.on('error', (error) => resolve({ status: 0, body: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.end();
  });
}

/** The app name in a demo app's answer ("Hello from app-1 (port 1234)"), else undefined. */
export function answeredBy(body: string): string | undefined {
  return /^Hello from (\S+) \(port \d+\)$/.exec(body)?.[1];
}

/**
 * A steady request stream through HAProxy: sequential requests (no keep-alive) with a short pause
 * between them, counting successes per answering app and keeping every failure.
 */
export class RequestStream {
  ok = 0;
  readonly failures: string[] = [];
  readonly answers = new Map<string, number>();
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly port: number,
    pauseMs = 20,
  ) {
    this.done = (async () => {
      while (this.running) {
        const { status, body } = await httpRequest(this.port);
        const app = status === 200 ? answeredBy(body) : undefined;
        if (app === undefined) {
          this.failures.push(`${new Date().toISOString()} ${status} ${body}`);
        } else {
          this.ok += 1;
          this.answers.set(app, (this.answers.get(app) ?? 0) + 1);
        }
        // Pacing, not synchronisation: keeps a 2-core machine free for the daemons under test.
        if (this.running) await sleep(pauseMs);
      }
    })();
  }

  get total(): number {
    return this.ok + this.failures.length;
  }

  /** Stops after the request in flight; resolves with the stream itself for assertions. */
  async stop(): Promise<this> {
    this.running = false;
    await this.done;
    return this;
  }
}

/** A running demo app. */
export interface App {
  name: string;
  port: number;
  child: ChildProcess;
  post(path: '/fail' | '/recover'): Promise<void>;
}

/** `<config dir>/<file>` for every entry of `files`. */
async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
}

/** Whether a process with this PID exists (a zombie counts as gone). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z /.test(stat);
}

/** Stops a CLI process: `signal`, and SIGKILL if it has not exited after `graceMs`. */
export async function stopCli(
  cli: CliProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5_000,
): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>(
    (resolve) => (timer = setTimeout(() => resolve('late'), graceMs)),
  );
  const outcome = await Promise.race([cli.stop(signal), late]);
  clearTimeout(timer);
  return outcome === 'late' ? cli.stop('SIGKILL') : outcome;
}

/** Options of {@link Fleet.create}. */
export interface FleetOptions {
  connectString: string;
  /** ZooKeeper base path, unique per test. */
  base: string;
  /** `session_timeout` of every daemon, in seconds. */
  sessionTimeout?: number;
}

/** A cluster the writer consumes. */
export interface ClusterSpec {
  name: string;
  port: number;
}

/**
 * The apps, reporters and writer of one test, in one temp dir. `stop()` ends all of them, the
 * writer's HAProxy included.
 */
export class Fleet {
  readonly apps: App[] = [];
  private readonly clis: { role: 'reporter' | 'writer'; cli: CliProcess }[] = [];
  writer: CliProcess | undefined;

  private constructor(
    readonly work: string,
    private readonly options: FleetOptions,
    private readonly removeWork: () => Promise<void>,
  ) {}

  static async create(options: FleetOptions): Promise<Fleet> {
    const temp = await createTempDir({}, 'lighthouse-loop-');
    return new Fleet(temp.dir, options, () => temp.cleanup());
  }

  /** The `discovery/zookeeper.yaml` every daemon of this fleet uses. */
  discoveryYaml(connectString = this.options.connectString): string {
    const hosts = connectString.split(',').map((host) => `"${host}"`);
    return [
      `hosts: [${hosts.join(', ')}]`,
      `path: ${this.options.base}`,
      `session_timeout: ${this.options.sessionTimeout ?? 4}`,
      '',
    ].join('\n');
  }

  /** The ZooKeeper base path of this fleet. */
  get configBase(): string {
    return this.options.base;
  }

  get haproxyDir(): string {
    return join(this.work, 'haproxy');
  }
  get pidFile(): string {
    return join(this.haproxyDir, 'haproxy.pid');
  }
  get socketFile(): string {
    return join(this.haproxyDir, 'admin.sock');
  }
  get configFile(): string {
    return join(this.haproxyDir, 'haproxy.cfg');
  }

  /** Starts a demo app on a free port and waits until it answers. */
  async app(name: string): Promise<App> {
    const port = await freePort();
    const child = spawnClean(process.execPath, [demoApp, '--port', String(port), '--name', name]);
    child.stdout.resume();
    child.stderr.resume();
    const app: App = {
      name,
      port,
      child,
      post: async (path) => {
        const { status } = await httpRequest(port, path, 'POST');
        if (status !== 200) throw new Error(`POST ${path} to ${name}: status ${status}`);
      },
    };
    this.apps.push(app);
    await waitFor(async () => (await httpRequest(port, '/health')).status === 200, {
      what: `${name} to listen`,
    });
    return app;
  }

  /** The config dir of reporter `id`; its `reporter.yaml` keeps the state in `<dir>/state`. */
  reporterDir(id: string): string {
    return join(this.work, `reporter-${id}`);
  }

  /**
   * Starts a reporter advertising `host` (IP 127.0.0.1) for `service` on `ports`, checked over
   * HTTP /health every 0.2 s with rise 1 and fall 1. Its config dir is {@link reporterDir};
   * `reporterYaml` adds lines to its `reporter.yaml` (e.g. a health proxy), `serviceYaml` to
   * the service file (e.g. an agent).
   */
  async reporter(
    id: string,
    service: string,
    ports: readonly number[],
    host = id,
    reporterYaml: readonly string[] = [],
    serviceYaml: readonly string[] = [],
  ): Promise<CliProcess> {
    const dir = this.reporterDir(id);
    const portLine = ports.length === 1 ? `port: ${ports[0]}` : `ports: [${ports.join(', ')}]`;
    await writeFiles(dir, {
      'reporter.yaml': [`state_dir: ${join(dir, 'state')}`, ...reporterYaml, ''].join('\n'),
      'discovery/zookeeper.yaml': this.discoveryYaml(),
      [`services/${service}.yaml`]: [
        portLine,
        'discovery: zookeeper',
        'checks:',
        '  interval: 0.2',
        '  http:',
        '    uri: /health',
        '    rise: 1',
        '    fall: 1',
        ...serviceYaml,
        '',
      ].join('\n'),
    });
    const cli = startCli([
      'reporter',
      dir,
      '--advertise-host',
      host,
      '--advertise-ip',
      '127.0.0.1',
      '--log-format',
      'json',
    ]);
    this.clis.push({ role: 'reporter', cli });
    return cli;
  }

  /** Writes the writer's config dir (`<work>/writer`) for `clusters`. */
  async writerConfig(clusters: readonly ClusterSpec[], connectString?: string): Promise<string> {
    const dir = join(this.work, 'writer');
    await mkdir(this.haproxyDir, { recursive: true });
    const files: Record<string, string> = {
      // Its control socket in the work dir, never in the default /var/lib/lighthouse.
      'writer.yaml': `state_dir: ${join(this.work, 'writer-state')}\n`,
      'discovery/zookeeper.yaml': this.discoveryYaml(connectString),
      'balancers/haproxy.yaml': loopbackHAProxyYaml(this, [
        'restart_interval: 0.5',
        'global:',
        '  - "hard-stop-after 5s"',
      ]),
    };
    for (const cluster of clusters) {
      files[`clusters/${cluster.name}.yaml`] = [
        'discovery: zookeeper',
        'haproxy:',
        `  port: ${cluster.port}`,
        '  backend:',
        '    - "mode http"',
        '',
      ].join('\n');
    }
    await writeFiles(dir, files);
    return dir;
  }

  /** Starts `lighthouse writer` on `<work>/writer` (written by {@link writerConfig} first). */
  startWriter(): CliProcess {
    const cli = startCli(['writer', join(this.work, 'writer'), '--log-format', 'json']);
    this.clis.push({ role: 'writer', cli });
    this.writer = cli;
    return cli;
  }

  /** `show servers state <backend>` of the running HAProxy, on a fresh admin connection. */
  async servers(backend: string): Promise<ServerState[]> {
    const runtime = new RuntimeApi(this.socketFile);
    try {
      return await runtime.showServersState(backend);
    } finally {
      runtime.reset();
    }
  }

  /** The ports of the servers HAProxy runs for `backend` and considers up (op state 2, no maint). */
  async upPorts(backend: string): Promise<number[]> {
    return (await this.servers(backend))
      .filter(
        (server) => server.opState === 2 && (server.adminState & AdminFlags.forcedMaint) === 0,
      )
      .map((server) => server.port)
      .sort((a, b) => a - b);
  }

  /** The PID of the HAProxy master this fleet's writer started, if it runs our config. */
  async haproxyPid(): Promise<number | undefined> {
    const text = await readFile(this.pidFile, 'utf8').catch(() => '');
    const pid = Number(text.trim().split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    return cmdline.includes(this.work) ? pid : undefined;
  }

  /** Output of every CLI process so far, for failure messages. */
  logs(): string {
    return this.clis.map(({ role, cli }) => `--- ${role}\n${cli.output()}`).join('\n');
  }

  /** Stops reporters, writers, HAProxy (checked PID) and apps, then removes the temp dir. */
  async stop(): Promise<void> {
    await Promise.all(
      this.clis
        .filter(({ role }) => role === 'reporter')
        .map(({ cli }) => stopCli(cli, 'SIGTERM', 3_000)),
    );
    await Promise.all(
      this.clis
        .filter(({ role }) => role === 'writer')
        .map(({ cli }) => stopCli(cli, 'SIGTERM', 3_000)),
    );
    const pid = await this.haproxyPid();
    if (pid !== undefined) {
      process.kill(pid, 'SIGTERM');
      await waitFor(async () => !(await alive(pid)), {
        timeoutMs: 10_000,
        what: `HAProxy ${pid} to exit`,
      }).catch(async () => {
        if ((await this.haproxyPid()) === pid) process.kill(pid, 'SIGKILL');
      });
    }
    await Promise.all(
      this.apps.map(
        (app) =>
          new Promise<void>((resolve) => {
            if (app.child.exitCode !== null || app.child.signalCode !== null) return resolve();
            app.child.once('exit', () => resolve());
            app.child.kill('SIGTERM');
          }),
      ),
    );
    await this.removeWork();
  }
}

/** A plain second ZooKeeper client for the test's own reads and writes. */
export async function otherClient(connectString: string): Promise<ZooKeeperSession> {
  const session = new ZooKeeperSession({
    connectString,
    sessionTimeoutMs: 10_000,
    log: silentLogger,
    debug: debug('lighthouse:test'),
  });
  await session.connect();
  return session;
}

/** Creates `path` and its missing ancestors as persistent znodes, the last one with `data`. */
export async function createPath(client: ZooKeeperSession, path: string, data = ''): Promise<void> {
  const parts = path.split('/').slice(1);
  for (let index = 1; index < parts.length; index += 1) {
    const parent = `/${parts.slice(0, index).join('/')}`;
    if ((await client.exists(parent)) === undefined)
      await client.create(parent, Buffer.alloc(0), false);
  }
  await client.create(path, Buffer.from(data, 'utf8'), false);
}

/** The znode owner (hex session id) of each of `paths`, read with a fresh second client. */
export async function owners(connectString: string, paths: readonly string[]): Promise<string[]> {
  const client = await otherClient(connectString);
  try {
    return await Promise.all(
      paths.map(async (path) => (await client.get(path)).stat.ephemeralOwner),
    );
  } finally {
    await client.close();
  }
}
