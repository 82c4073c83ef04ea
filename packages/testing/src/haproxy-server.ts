import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnClean } from './spawn-clean.js';

/**
 * A private HAProxy for tests (Debian's `haproxy` package, 2.6): the caller's config in a temp
 * dir, checked with `haproxy -c`, run in the foreground (`-db`) as our child so its PID is
 * HAProxy's, read and driven through its own admin socket, and stopped by that PID. Nothing here
 * touches a system-wide HAProxy.
 */

const NOT_FOUND = 'haproxy not found: apt-get install haproxy';
/** How long one admin socket command may take before it fails. */
const ADMIN_TIMEOUT_MS = 5_000;

/** Options of {@link startHAProxy}. */
export interface HAProxyOptions {
  /** How long HAProxy may take to answer on its admin socket (default 10 s). */
  readyTimeoutMs?: number;
  /** How long `stop` waits after SIGTERM before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
}

/** A running HAProxy started by {@link startHAProxy}. */
export interface HAProxyServer {
  readonly pid: number;
  /** The temp dir holding `haproxy.cfg` and `admin.sock`; removed by `stop`. */
  readonly dir: string;
  /** The config file HAProxy runs: `<dir>/haproxy.cfg`. */
  readonly configFile: string;
  /** The admin socket (`stats socket … level admin`): `<dir>/admin.sock`. */
  readonly adminSocket: string;
  /** Everything HAProxy printed so far (stdout and stderr), for failure messages. */
  readonly output: string;
  /** One command on the admin socket (`show stat`, `set server …`); resolves with the answer. */
  admin(command: string): Promise<string>;
  /**
   * The `show stat` row of `server` in `proxy` (a backend), column name → value (`status`,
   * `weight`, `check_status`, `agent_status`…), or undefined when there is no such row. Columns
   * are split on commas: fine for names, states and numbers, not for free text holding one.
   */
  stat(proxy: string, server: string): Promise<Record<string, string> | undefined>;
  /** SIGTERM by PID, SIGKILL after `stopTimeoutMs`, then removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

/** Kills `child` if the test process exits while it still runs (a test that never called stop). */
function killOnExit(child: ChildProcess): void {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

/**
 * What precedes the caller's config: the admin socket, and defaults for HTTP with short timeouts
 * (HAProxy warns without them). A `defaults` section of the caller's replaces these defaults.
 */
function preamble(adminSocket: string): string {
  return [
    'global',
    `  stats socket ${adminSocket} level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout check 1s',
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One command on the admin socket at `path`; resolves with everything HAProxy answered. */
function adminCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let output = '';
    socket.setEncoding('utf8');
    socket.setTimeout(ADMIN_TIMEOUT_MS, () =>
      socket.destroy(new Error(`${command}: no answer on ${path} in ${ADMIN_TIMEOUT_MS} ms`)),
    );
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => (output += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(output));
  });
}

/** `text` with line numbers, as `haproxy -c` counts them. */
function numbered(text: string): string {
  return text
    .split('\n')
    .map((line, index) => `${String(index + 1).padStart(3)}  ${line}`)
    .join('\n');
}

/** Runs `haproxy -c` on `configFile`; rejects with its complaints and the numbered config. */
function checkConfig(configFile: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('haproxy', ['-c', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(NOT_FOUND) : error),
    );
    child.once('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `haproxy -c rejected the test config (exit ${code}):\n${output.trim()}\n` +
              `${configFile}:\n${numbered(text)}`,
          ),
        );
    });
  });
}

/**
 * Starts HAProxy on `config`, the test's own sections (`frontend`, `backend`…). The helper writes
 * what comes before them: `global` with `stats socket <dir>/admin.sock level admin`, and
 * `defaults` with `mode http` and timeouts of 1 s (connect, check) and 5 s (client, server). A
 * test needing other defaults writes its own `defaults` section, which replaces these; one needing
 * more global settings writes another `global` section, which HAProxy merges into the first.
 * Resolves once HAProxy answers `show info` on that socket; rejects, leaving nothing behind, when
 * haproxy is not installed, `haproxy -c` refuses the config, or HAProxy exits or stays silent
 * during start-up (the message carries what it printed).
 */
export async function startHAProxy(
  config: string,
  options: HAProxyOptions = {},
): Promise<HAProxyServer> {
  const dir = await mkdtemp(join(tmpdir(), 'lighthouse-haproxy-'));
  const configFile = join(dir, 'haproxy.cfg');
  const adminSocket = join(dir, 'admin.sock');
  const text = `${preamble(adminSocket)}${config.replace(/\n?$/, '\n')}`;
  try {
    await writeFile(configFile, text);
    await checkConfig(configFile, text);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  // -db: stay in the foreground, so the child's PID is HAProxy's and nothing is left behind.
  const child = spawnClean('haproxy', ['-db', '-f', configFile]);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let dead = false;
  const exited = new Promise<void>((resolve) => {
    const ended = () => {
      dead = true;
      resolve();
    };
    child.once('exit', ended);
    child.once('error', (error) => {
      output += `spawn failed: ${error.message}\n`;
      ended();
    });
  });
  killOnExit(child);

  const running = () => !dead && child.exitCode === null && child.signalCode === null;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (running() && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), stopTimeoutMs);
        });
        const outcome = await Promise.race([exited, late]);
        clearTimeout(timer);
        if (outcome === 'late' && running()) {
          process.kill(child.pid, 'SIGKILL');
          await exited;
        }
      }
      await rm(dir, { recursive: true, force: true });
    })());

  const admin = (command: string) => adminCommand(adminSocket, command);
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const info = await admin('show info').catch(() => '');
    if (running() && info.includes(`\nPid: ${child.pid}\n`)) break;
    let problem: string | undefined;
    if (!running())
      problem = `HAProxy exited (${child.exitCode ?? child.signalCode}) during start-up`;
    else if (Date.now() > deadline)
      problem = `HAProxy did not answer on ${adminSocket} in ${readyTimeoutMs} ms`;
    if (problem !== undefined) {
      await stop();
      throw new Error(`${problem}; HAProxy output: ${output.trim() || 'none'}`);
    }
    await sleep(20);
  }

  const pid = child.pid;
  if (pid === undefined) throw new Error('HAProxy has no PID');
  return {
    pid,
    dir,
    configFile,
    adminSocket,
    get output() {
      return output;
    },
    admin,
    async stat(proxy, server) {
      const [head = '', ...rows] = (await admin('show stat')).split('\n');
      const row = rows.find((line) => line.startsWith(`${proxy},${server},`))?.split(',');
      if (row === undefined) return undefined;
      const names = head.replace(/^# /, '').split(',');
      return Object.fromEntries(
        names.flatMap((name, index) => (name === '' ? [] : [[name, row[index] ?? '']])),
      );
    },
    stop,
  };
}
