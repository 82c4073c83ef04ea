import { Agent } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, recordingLogger, waitFor } from '@lighthouse/testing';
import { isLighthouseError } from '../../src/errors.js';
import { startHealthProxy } from '../../src/engine/health-proxy.js';
import type { HealthProxy } from '../../src/engine/health-proxy.js';
import { healthyPort, rawExchange, rawStatus, send } from './health-proxy-support.js';

/** The health proxy under load and at shutdown: bursts, slow clients, idle connections, close(). */

const state = [healthyPort('web', 8080)];
const started: HealthProxy[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((proxy) => proxy.close()));
});

async function start(): Promise<{
  proxy: HealthProxy;
  port: number;
  logger: ReturnType<typeof recordingLogger>;
}> {
  const logger = recordingLogger();
  const proxy = await startHealthProxy({ port: 0, ports: () => state, logger });
  started.push(proxy);
  return { proxy, port: proxy.address.port, logger };
}

/** Opens a TCP connection and resolves once it is established. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` has closed. */
function closed(socket: Socket): Promise<void> {
  return socket.closed
    ? Promise.resolve()
    : new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('health proxy under load', () => {
  it('answers a burst of 1,000 concurrent connections and keeps answering', async () => {
    const { port, logger } = await start();
    const request = 'GET /http/web/8080/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    // Every connection is opened before any request is written, so all 1,000 are open at once.
    const sockets = await Promise.all(Array.from({ length: 1_000 }, () => open(port)));
    const answers = sockets.map(
      (socket) =>
        new Promise<string>((resolve) => {
          let received = '';
          socket.setEncoding('utf8');
          socket.on('data', (chunk: string) => (received += chunk));
          socket.on('error', () => undefined);
          socket.on('close', () => resolve(received));
        }),
    );
    for (const socket of sockets) socket.write(request);
    const replies = await Promise.all(answers);
    expect(replies.filter((reply) => rawStatus(reply) === 200)).toHaveLength(1_000);
    expect(replies.every((reply) => reply.endsWith('OK: web:8080 is healthy\n'))).toBe(true);
    expect(await send(port, '/http/web/8080/')).toMatchObject({ status: 200 });
    expect(logger.lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual(
      [],
    );
  });

  it('answers 1,000 concurrent requests through a keep-alive agent', async () => {
    const { port } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 2_000 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 1_000 }, (_, index) =>
          send(port, index % 2 === 0 ? '/http/web/8080/' : '/status', { agent }),
        ),
      );
      expect(replies.every((reply) => reply.status === 200)).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('answers 408 to a client that never finishes its headers, and keeps serving', async () => {
    const { port } = await start();
    const slow = rawExchange(port, 'GET /http/web/8080/ HTTP/1.1\r\nHost: x\r\n', 15_000);
    const silent = rawExchange(port, '', 15_000);
    expect((await send(port, '/http/web/8080/')).status).toBe(200);
    // The 5 s headers timeout, enforced every second: the slow client is cut within ~6 s.
    expect(rawStatus(await slow)).toBe(408);
    expect(rawStatus(await silent)).toBe(408);
  });
});

describe('health proxy close()', () => {
  it('resolves promptly with an idle keep-alive connection open, and closes it', async () => {
    const { proxy, port } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await send(port, '/http/web/8080/', { agent })).headers.connection).toBe(
        'keep-alive',
      );
      const idle = Object.values(agent.freeSockets).flat()[0];
      expect(idle).toBeDefined();
      const before = Date.now();
      await proxy.close();
      // Well under the 2 s keep-alive timeout: close() ended the idle connection itself.
      expect(Date.now() - before).toBeLessThan(1_000);
      await waitFor(() => idle?.destroyed === true, { what: 'the idle connection to close' });
    } finally {
      agent.destroy();
    }
  });

  it('cuts connections that never sent a full request after a short grace', async () => {
    const { proxy, port } = await start();
    const silent = await open(port);
    const partial = await open(port);
    partial.write('GET /http/web/8080/ HTTP/1.1\r\n');
    const before = Date.now();
    await proxy.close();
    expect(Date.now() - before).toBeLessThan(2_000);
    await Promise.all([closed(silent), closed(partial)]);
    // Closed means closed: new connections are refused.
    await expect(open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // close() is idempotent.
    await proxy.close();
  });
});

describe('startHealthProxy', () => {
  it('rejects with a clear LighthouseError when the port is taken', async () => {
    const { port } = await start();
    const error: unknown = await startHealthProxy({
      port,
      ports: () => state,
      logger: recordingLogger(),
    }).catch((caught: unknown) => caught);
    expect(isLighthouseError(error)).toBe(true);
    expect((error as Error).message).toBe(
      `health proxy cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
    );
  });

  it('rejects a port that is not 0-65535', async () => {
    for (const port of [-1, 65_536, 1.5, Number.NaN]) {
      await expect(
        startHealthProxy({ port, ports: () => state, logger: recordingLogger() }),
      ).rejects.toThrow(RangeError);
    }
  });

  it('listens on a configured host and port', async () => {
    const port = await freePort();
    const proxy = await startHealthProxy({
      host: '127.0.0.1',
      port,
      ports: () => state,
      logger: recordingLogger(),
    });
    started.push(proxy);
    expect(proxy.address).toEqual({ host: '127.0.0.1', port });
    expect((await send(port, '/http/web/8080/')).status).toBe(200);
  });
});
