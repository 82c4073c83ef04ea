import type { Socket } from 'node:net';
import Value from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, debugFor, noopMetrics, silentLogger } from '@lighthouse/core';
import {
  describeCheckPlugin,
  performCheck,
  refusedTarget,
  startTcpServer,
} from '@lighthouse/testing';
import type { TestServer } from '@lighthouse/testing';
import { expectedLine, MAX_REPLY_BYTES } from '../src/probe.js';
import { TcpCheckConfig } from '../src/schema.js';
import tcpCheck from '../src/tcp.js';

/** A ZooKeeper-like four-letter-word server: answers "imok" to "ruok", then closes. */
const zookeeperLike = (socket: Socket): void => {
  socket.once('data', () => socket.end('imok'));
};

describeCheckPlugin(tcpCheck, {
  source: '@lighthouse/check-tcp/dist/tcp.js',
  validConfig: { query: 'ruok', response: 'imok' },
  healthy: () => startTcpServer(zookeeperLike),
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A server answering the first chunk it receives with `reply` (leaving the connection open). */
async function answering(reply: string | Buffer, received: Buffer[] = []): Promise<TestServer> {
  const server = await startTcpServer((socket) =>
    socket.once('data', (chunk: Buffer) => {
      received.push(chunk);
      socket.write(reply);
    }),
  );
  servers.push(server);
  return server;
}

describe('tcp check: connect only', () => {
  it('passes when the connection is accepted', async () => {
    const server = await startTcpServer();
    servers.push(server);
    expect(await performCheck(tcpCheck, {}, server.target)).toEqual({ ok: true });
  });

  it('fails on a refused connection', async () => {
    expect(await performCheck(tcpCheck, {}, await refusedTarget())).toEqual({
      ok: false,
      reason: 'connection refused',
    });
  });
});

describe('tcp check: query and response', () => {
  it('sends the query bytes exactly as given and matches the first line', async () => {
    const received: Buffer[] = [];
    const server = await answering('imok\nmore lines\n', received);
    const result = await performCheck(tcpCheck, { query: 'ruok', response: 'imok' }, server.target);
    expect(result).toEqual({ ok: true });
    expect(Buffer.concat(received).toString()).toBe('ruok');
  });

  it.each(['+PONG', '+PONG\r\n', '+PONG\n', '+PONG\r'])(
    'handles "\\r\\n" line endings (response %j)',
    async (response) => {
      const received: Buffer[] = [];
      const server = await answering('+PONG\r\n', received);
      const result = await performCheck(tcpCheck, { query: 'PING\r\n', response }, server.target);
      expect(result).toEqual({ ok: true });
      expect(Buffer.concat(received).toString()).toBe('PING\r\n');
    },
  );

  it('compares what arrived when the peer closes without a newline, without spinning', async () => {
    const server = await startTcpServer(zookeeperLike);
    servers.push(server);
    const started = performance.now();
    const result = await performCheck(
      tcpCheck,
      { query: 'ruok', response: 'imok' },
      server.target,
      { timeoutMs: 5000 },
    );
    expect(result).toEqual({ ok: true });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reassembles a line that arrives in pieces', async () => {
    const server = await startTcpServer((socket) =>
      socket.once('data', () => {
        socket.write('im');
        // A slow peer: the second half follows later, as its own TCP segment.
        setTimeout(() => socket.write('ok\r\n'), 20);
      }),
    );
    servers.push(server);
    const result = await performCheck(tcpCheck, { query: 'ruok', response: 'imok' }, server.target);
    expect(result).toEqual({ ok: true });
  });

  it('fails on a different response, quoting both', async () => {
    const server = await answering('busy\n');
    const result = await performCheck(tcpCheck, { query: 'ruok', response: 'imok' }, server.target);
    expect(result).toEqual({ ok: false, reason: 'expected "imok", got "busy"' });
  });

  it('does not accept a response that only starts with the expected text', async () => {
    const server = await answering('imok, mostly\n');
    const result = await performCheck(tcpCheck, { query: 'ruok', response: 'imok' }, server.target);
    expect(result).toEqual({ ok: false, reason: 'expected "imok", got "imok, mostly"' });
  });

  it('fails when the peer closes without replying', async () => {
    const server = await startTcpServer((socket) => socket.once('data', () => socket.end()));
    servers.push(server);
    const result = await performCheck(tcpCheck, { query: 'ruok', response: 'imok' }, server.target);
    expect(result).toEqual({ ok: false, reason: 'connection closed without a reply' });
  });

  it('fails on a reset', async () => {
    const server = await startTcpServer((socket) =>
      socket.once('data', () => socket.resetAndDestroy()),
    );
    servers.push(server);
    const result = await performCheck(tcpCheck, { query: 'ruok', response: 'imok' }, server.target);
    expect(result).toEqual({ ok: false, reason: 'connection reset by peer' });
  });

  it('fails within the timeout against a peer that never answers', async () => {
    const server = await startTcpServer();
    servers.push(server);
    const started = performance.now();
    const result = await performCheck(
      tcpCheck,
      { query: 'ruok', response: 'imok' },
      server.target,
      { timeoutMs: 200 },
    );
    expect(result).toEqual({ ok: false, reason: 'timed out after 200 ms' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('fails on a reply longer than the cap without a newline', async () => {
    const server = await answering(Buffer.alloc(MAX_REPLY_BYTES + 4096, 'x'));
    const result = await performCheck(tcpCheck, { query: 'ruok', response: 'imok' }, server.target);
    expect(result).toEqual({
      ok: false,
      reason: `reply exceeds ${MAX_REPLY_BYTES} bytes without a newline`,
    });
  });
});

describe('tcp check: config', () => {
  const messages = (config: unknown): string[] =>
    [...Value.Errors(TcpCheckConfig, config)].map((error) => error.message);

  it('requires query and response together, saying which one is missing', () => {
    expect(messages({ query: 'ruok' })).toEqual([
      'must have properties response when property query is present',
    ]);
    expect(messages({ response: 'imok' })).toEqual([
      'must have properties query when property response is present',
    ]);
    expect(messages({ query: 'ruok', response: 'imok' })).toEqual([]);
    expect(messages({})).toEqual([]);
  });

  it('throws a ConfigError from create when an embedder skips validation', () => {
    const context = {
      target: { host: '127.0.0.1', port: 1 },
      service: 'zk',
      debug: debugFor('test'),
      log: silentLogger,
      metrics: noopMetrics,
    };
    expect(() => tcpCheck.create({ query: 'ruok' }, context)).toThrow(ConfigError);
  });

  it.each([
    ['imok', 'imok'],
    ['imok\r\n', 'imok'],
    ['imok\n', 'imok'],
    ['imok\r', 'imok'],
    ['imok\n\n', 'imok\n'],
  ])('normalises response %j to %j', (response, line) => {
    expect(expectedLine(response)).toBe(line);
  });
});
