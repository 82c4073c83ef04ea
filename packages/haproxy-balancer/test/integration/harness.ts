import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterState, Node } from '@lighthouse/core';
import { createTempDir, waitFor } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { balancerPaths } from '../../src/balancer.js';
import { MasterCli } from '../../src/runtime/master-cli.js';
import { RuntimeApi } from '../../src/runtime/runtime-api.js';
import type { ServerState } from '../../src/runtime/show-parsers.js';
import type { HAProxyClusterConfig, HAProxyConfig } from '../../src/schema.js';
import { isOurHAProxy, readPidFile } from '../../src/process/pid.js';

/**
 * The integration harness: real HAProxy on loopback ports in a temp dir, tiny HTTP backends that
 * answer their own name, and cleanup that stops only the HAProxy this test started (by the PID in
 * its own PID file, after checking /proc that it runs our config).
 */

/** Throws one clear line when HAProxy is not installed: these tests cannot be skipped silently. */
export function requireHAProxy(): void {
  const run = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('haproxy not found: apt-get install haproxy');
  }
}

// The shared recording logger (assertions on reload logs), for the tests that import it from here.
export { recordingLogger } from '@lighthouse/testing';
export type { RecordingLogger } from '@lighthouse/testing';

/** An HTTP server on 127.0.0.1 that answers every request with its name. */
export interface NamedBackend {
  name: string;
  port: number;
  node: Node;
  close(): Promise<void>;
}

/** Starts `names.length` backends; each node's host is its name. */
export async function startBackends(names: readonly string[]): Promise<NamedBackend[]> {
  return Promise.all(
    names.map(
      (name) =>
        new Promise<NamedBackend>((resolve) => {
          const server: Server = createServer((_request, response) => {
            response.setHeader('connection', 'close');
            response.end(name);
          });
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address !== null ? address.port : 0;
            resolve({
              name,
              port,
              node: { host: name, ip: '127.0.0.1', port, metadata: {} },
              close: () =>
                new Promise((done) => {
                  server.closeAllConnections();
                  server.close(() => done());
                }),
            });
          });
        }),
    ),
  );
}

/** A herald-style agent-check responder: every connection gets `reply` and a newline. */
export interface TestAgent {
  port: number;
  /** What the next poll gets; change it at will. */
  reply: string;
  /** Polls answered so far. */
  polls: number;
  close(): Promise<void>;
}

/** Starts a {@link TestAgent} on 127.0.0.1 (HAProxy may reset the connection: ignored). */
export async function startAgent(reply: string): Promise<TestAgent> {
  const server = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    agent.polls++;
    socket.end(`${agent.reply}\n`);
  });
  const agent: TestAgent = {
    port: 0,
    reply,
    polls: 0,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agent.port = (server.address() as AddressInfo).port;
  return agent;
}

/** One HTTP GET without keep-alive: status and body. */
export function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The bodies of `count` sequential GETs. */
export async function bodies(port: number, count: number, path = '/'): Promise<string[]> {
  const result: string[] = [];
  for (let i = 0; i < count; i++) result.push((await get(port, path)).body);
  return result;
}

/** A temp dir with a haproxy.yaml-like config pointing into it. */
export interface Fixture {
  dir: TempDir;
  config: HAProxyConfig;
  master: MasterCli;
  runtime: RuntimeApi;
  /** HAProxy's reload counter (master CLI `show proc`). */
  reloads(): Promise<number>;
  /** `show servers state` of one backend, on a new session (a reload may have happened). */
  servers(backend: string): Promise<ServerState[]>;
  /**
   * Waits until a new admin-socket connection reaches the newest worker. Right after a reload
   * the old worker may still accept on the shared socket for a moment (longer on a loaded
   * machine), and commands sent to it are lost with it.
   */
  settled(): Promise<void>;
  /** Stops the HAProxy this fixture started (SIGTERM by PID file, checked) and removes the dir. */
  cleanup(): Promise<void>;
}

/** Creates a fixture; `extra` overrides or adds haproxy.yaml keys. */
export async function createFixture(extra: Partial<HAProxyConfig> = {}): Promise<Fixture> {
  const dir = await createTempDir({}, 'lh-haproxy-');
  const config: HAProxyConfig = {
    config_file: join(dir.dir, 'haproxy.cfg'),
    socket_file: join(dir.dir, 'admin.sock'),
    pid_file: join(dir.dir, 'haproxy.pid'),
    server_state_file: join(dir.dir, 'state'),
    global: ['hard-stop-after 5s'],
    defaults: ['mode http', 'balance roundrobin'],
    restart_interval: 0.05,
    ...extra,
  };
  const master = new MasterCli(balancerPaths(config).masterSocket);
  const runtime = new RuntimeApi(config.socket_file);
  return {
    dir,
    config,
    master,
    runtime,
    reloads: async () => (await master.showProc()).reloads,
    servers: (backend) => {
      runtime.reset();
      return runtime.showServersState(backend);
    },
    async settled() {
      const newest = (await master.showProc()).workers.find((worker) => worker.reloads === 0)?.pid;
      await waitFor(
        async () => {
          runtime.reset();
          return new RegExp(`^Pid: ${newest}$`, 'm').test(await runtime.raw('show info'));
        },
        { what: `the admin socket to answer from worker ${newest}`, intervalMs: 20 },
      );
    },
    async cleanup() {
      runtime.reset();
      await stopHAProxy(config);
      await dir.cleanup();
    },
  };
}

/**
 * SIGTERM to the HAProxy master of `config` (from its PID file, else its master CLI), if /proc
 * shows it runs our config, and wait until it is gone.
 */
export async function stopHAProxy(config: HAProxyConfig): Promise<void> {
  const master = new MasterCli(balancerPaths(config).masterSocket);
  const pid =
    (await readPidFile(config.pid_file)) ??
    (await master.showProc().catch(() => undefined))?.masterPid;
  if (pid === undefined || !(await isOurHAProxy(pid, config.config_file))) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(async () => !(await isOurHAProxy(pid, config.config_file)), {
    what: `HAProxy ${pid} to exit`,
  });
}

/** A discovered cluster. */
export function cluster(
  name: string,
  config: HAProxyClusterConfig,
  nodes: readonly Node[],
  extra: Partial<ClusterState<HAProxyClusterConfig>> = {},
): ClusterState<HAProxyClusterConfig> {
  return { name, config, discovered: true, nodes, ...extra };
}

/** A backend that accepts HTTP requests and never answers them (a long-lived connection). */
export interface HangingBackend {
  node: Node;
  /** Connections it holds open now. */
  open(): number;
  close(): Promise<void>;
}

export async function startHangingBackend(name: string): Promise<HangingBackend> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(() => undefined);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    node: { host: name, ip: '127.0.0.1', port, metadata: {} },
    open: () => sockets.size,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

/**
 * Every haproxy process whose command line names a file in `dir` (the master, its workers, a
 * re-executed master): found through /proc, never by name alone.
 */
export async function haproxyProcessesIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8')
      .then((text) => text.split('\0'))
      .catch(() => []);
    const executable = argv[0]?.split('/').pop() ?? '';
    if (!executable.startsWith('haproxy')) continue;
    if (argv.some((word) => word.startsWith(`${dir}/`))) pids.push(Number(entry));
  }
  return pids;
}
