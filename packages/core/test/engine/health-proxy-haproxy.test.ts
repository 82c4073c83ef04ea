import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, recordingLogger, startHAProxy, waitFor } from '@lighthouse/testing';
import type { HAProxyServer } from '@lighthouse/testing';
import { startHealthProxy } from '../../src/engine/health-proxy.js';
import type { HealthProxy, PortHealth } from '../../src/engine/health-proxy.js';
import { failingPort, healthyPort, send } from './health-proxy-support.js';

/**
 * The health proxy against a real HAProxy (Debian's 2.6): a backend whose server is checked with
 * `option httpchk GET /http/web/<port>/` and `check port <proxy>` goes DOWN when the reporter's
 * state says failing or in maintenance, and UP again when healthy. HAProxy runs in the foreground
 * as our child and is stopped by its PID; its state is read from its own admin socket.
 */

let haproxy: HAProxyServer | undefined;
let proxy: HealthProxy;
let backend: Server;
let backendPort: number;
let frontendPort: number;
let state: PortHealth[] = [];

/** `status` and `check_status` of `show stat` for server web1 of backend `be`. */
async function serverState(): Promise<{ status?: string; check?: string } | undefined> {
  const row = await haproxy?.stat('be', 'web1');
  if (row === undefined) return undefined;
  return { status: row['status'], check: row['check_status'] };
}

/**
 * Waits until HAProxy reports web1 as `wanted` after a real check (the interval is 200 ms):
 * L7OK is a 200 from the proxy, L7STS an error status (503, 404…). A server is UP before its first
 * check, so the check status is what proves the proxy answered.
 */
async function expectServer(wanted: 'UP' | 'DOWN'): Promise<void> {
  const check = wanted === 'UP' ? 'L7OK' : 'L7STS';
  await waitFor(
    async () => {
      const current = await serverState();
      return current?.status?.startsWith(wanted) === true && current.check === check;
    },
    { timeoutMs: 10_000, what: `web1 to be ${wanted} after ${check}` },
  ).catch(withHAProxyOutput);
}

/** Rethrows `error` with what HAProxy printed, read when the wait failed (not when it began). */
function withHAProxyOutput(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  throw new Error(`${message}; HAProxy output: ${haproxy?.output || 'none'}`);
}

beforeAll(async () => {
  backend = createServer((_request, response) => {
    response.setHeader('connection', 'close');
    response.end('web');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const address = backend.address();
  backendPort = typeof address === 'object' && address !== null ? address.port : 0;
  state = [healthyPort('web', backendPort)];
  proxy = await startHealthProxy({ port: 0, ports: () => state, logger: recordingLogger() });
  frontendPort = await freePort();
  haproxy = await startHAProxy(
    [
      'frontend fe',
      `  bind 127.0.0.1:${frontendPort}`,
      '  default_backend be',
      'backend be',
      // Plain `option httpchk` would send `OPTIONS /`, which names no service (404).
      `  option httpchk GET /http/web/${backendPort}/`,
      `  server web1 127.0.0.1:${backendPort} check port ${proxy.address.port} inter 200ms fall 1 rise 1`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await haproxy?.stop();
  await proxy?.close();
  await new Promise((resolve) => backend?.close(resolve));
});

describe('health proxy behind a real HAProxy', () => {
  it('takes the server DOWN and UP as the reporter state changes', async () => {
    await expectServer('UP');
    expect(await send(frontendPort, '/')).toMatchObject({ status: 200, body: 'web' });

    state = [failingPort('web', backendPort, 'HTTP 500')];
    await expectServer('DOWN');
    // No server left: HAProxy itself answers 503.
    expect((await send(frontendPort, '/')).status).toBe(503);

    state = [healthyPort('web', backendPort)];
    await expectServer('UP');
    expect(await send(frontendPort, '/')).toMatchObject({ status: 200, body: 'web' });
  });

  it('takes a healthy server DOWN while it is in maintenance (down or drain)', async () => {
    await expectServer('UP');
    state = [
      {
        ...healthyPort('web', backendPort),
        maintenance: { mode: 'down', reason: 'kernel upgrade', since: Date.now() },
      },
    ];
    await expectServer('DOWN');

    state = [healthyPort('web', backendPort)];
    await expectServer('UP');

    // httpchk only knows up and down: drain through it is DOWN too (graceful drain needs the
    // agent-check or the writer's `set server … state drain`).
    state = [
      {
        ...healthyPort('web', backendPort),
        maintenance: { mode: 'drain', reason: 'deploy', since: Date.now() },
      },
    ];
    await expectServer('DOWN');
    state = [healthyPort('web', backendPort)];
    await expectServer('UP');
  });
});
