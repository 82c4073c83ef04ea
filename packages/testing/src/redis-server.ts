import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOT_EXECUTED } from '@lighthouse/core';
import type { CheckTarget } from '@lighthouse/core';
import { freePort } from './free-port.js';
import { spawnClean } from './spawn-clean.js';
import { waitFor } from './wait-for.js';

/** A private redis-server on a loopback port, stopped by its PID. */
export interface RedisServer {
  target: CheckTarget;
  stop(): Promise<void>;
}

const NOT_FOUND = 'redis-server not found: install it with apt-get install redis-server';

/** The port another process took between our probe and redis's bind: worth one retry. */
class PortTaken extends Error {}

/** True once something on `port` answers an inline PING with any RESP line (+PONG or -NOAUTH). */
function answersResp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(/^[+-]/.test(chunk.toString())));
    socket.write('PING\r\n');
  });
}

async function startOnce(args: readonly string[]): Promise<RedisServer> {
  // A port the OS just handed out and took back; redis binds it next.
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'lighthouse-redis-'));
  const base = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawnClean('redis-server', [...base, '--dir', dir, ...args]);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(NOT_FOUND) : error),
    );
    child.once('exit', (code) =>
      reject(
        output.includes('Address already in use')
          ? new PortTaken(output)
          : NOT_EXECUTED.has(code ?? 0)
            ? new Error(NOT_FOUND)
            : new Error(`redis-server exited (${code}) before accepting connections:\n${output}`),
      ),
    );
  });
  // Only the race below consumes this rejection; a later exit (our own stop) is expected.
  exited.catch(() => undefined);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exit = once(child, 'exit');
      child.kill('SIGTERM');
      await exit;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      exited,
      waitFor(() => answersResp(port), { timeoutMs: 15_000, what: `redis-server on ${port}` }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { target: { host: '127.0.0.1', port }, stop };
}

/** Starts `redis-server` with `args` appended (e.g. `--requirepass secret`). */
export async function startRedis(...args: string[]): Promise<RedisServer> {
  try {
    return await startOnce(args);
  } catch (error) {
    if (error instanceof PortTaken) return startOnce(args);
    throw error;
  }
}
