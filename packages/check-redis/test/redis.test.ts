import type { Socket } from 'node:net';
import Value from 'typebox/value';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeCheckPlugin,
  performCheck,
  refusedTarget,
  startTcpServer,
} from '@lighthouse/testing';
import type { TestServer } from '@lighthouse/testing';
import { MAX_LINE_BYTES } from '../src/probe.js';
import redisCheck from '../src/redis.js';
import { RedisCheckConfig } from '../src/schema.js';
import { startRedis } from '@lighthouse/testing';
import type { RedisServer } from '@lighthouse/testing';

describeCheckPlugin(redisCheck, {
  source: '@lighthouse/check-redis/dist/redis.js',
  validConfig: {},
  healthy: async () => {
    const redis = await startRedis();
    return { target: redis.target, close: redis.stop };
  },
});

describe('redis check against redis-server', () => {
  let open: RedisServer;
  let secured: RedisServer;

  beforeAll(async () => {
    [open, secured] = await Promise.all([
      startRedis(),
      // requirepass for the default user, plus an ACL user with its own password.
      startRedis('--requirepass', 'secret', '--user', 'alice', 'on', '>wonderland', '~*', '+@all'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), secured?.stop()]);
  });

  it('passes when PING answers +PONG', async () => {
    expect(await performCheck(redisCheck, {}, open.target)).toEqual({ ok: true });
  });

  it('fails with the NOAUTH error when a password is required but not configured', async () => {
    expect(await performCheck(redisCheck, {}, secured.target)).toEqual({
      ok: false,
      reason: 'PING failed: NOAUTH Authentication required.',
    });
  });

  it('passes with the right password', async () => {
    expect(await performCheck(redisCheck, { password: 'secret' }, secured.target)).toEqual({
      ok: true,
    });
  });

  it('fails with the server message on a wrong password', async () => {
    expect(await performCheck(redisCheck, { password: 'guess' }, secured.target)).toEqual({
      ok: false,
      reason: 'AUTH failed: WRONGPASS invalid username-password pair or user is disabled.',
    });
  });

  it('passes as an ACL user with username and password', async () => {
    const config = { username: 'alice', password: 'wonderland' };
    expect(await performCheck(redisCheck, config, secured.target)).toEqual({ ok: true });
  });

  it('fails for an unknown ACL user', async () => {
    const result = await performCheck(
      redisCheck,
      { username: 'bob', password: 'x' },
      secured.target,
    );
    expect(result).toEqual({
      ok: false,
      reason: 'AUTH failed: WRONGPASS invalid username-password pair or user is disabled.',
    });
  });

  it('fails when a password is sent to a server that has none', async () => {
    const result = await performCheck(redisCheck, { password: 'secret' }, open.target);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^AUTH failed: ERR AUTH <password> called without any password/);
  });
});

describe('redis check against fake servers', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function fake(onConnection?: (socket: Socket) => void): Promise<TestServer> {
    const server = await startTcpServer(onConnection);
    servers.push(server);
    return server;
  }

  /** A server that records what it receives and answers the first chunk with `reply`. */
  const replying = (reply: string, received: Buffer[] = []) =>
    fake((socket) =>
      socket.once('data', (chunk: Buffer) => {
        received.push(chunk);
        socket.write(reply);
      }),
    );

  it('sends AUTH and PING as RESP arrays, binary-safe', async () => {
    const received: Buffer[] = [];
    const server = await replying('+OK\r\n+PONG\r\n', received);
    const config = { username: 'ümlaut', password: 'a b\r\nFLUSHALL' };
    expect(await performCheck(redisCheck, config, server.target)).toEqual({ ok: true });
    expect(Buffer.concat(received).toString()).toBe(
      '*3\r\n$4\r\nAUTH\r\n$7\r\nümlaut\r\n$13\r\na b\r\nFLUSHALL\r\n*1\r\n$4\r\nPING\r\n',
    );
  });

  it('fails with the server message while Redis is loading', async () => {
    const server = await replying('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await performCheck(redisCheck, {}, server.target)).toEqual({
      ok: false,
      reason: 'PING failed: LOADING Redis is loading the dataset in memory',
    });
  });

  it('fails on garbage, quoting it', async () => {
    const server = await replying('HTTP/1.1 400 Bad Request\r\n\r\n');
    expect(await performCheck(redisCheck, {}, server.target)).toEqual({
      ok: false,
      reason: 'PING: expected "+PONG", got "HTTP/1.1 400 Bad Request"',
    });
  });

  it('reassembles a reply that arrives one byte at a time', async () => {
    const server = await fake((socket) =>
      socket.once('data', () => {
        const bytes = [...'+PONG\r\n'];
        // A slow peer: one TCP segment per byte.
        const next = (): void => {
          const byte = bytes.shift();
          if (byte !== undefined) socket.write(byte, () => setTimeout(next, 5));
        };
        next();
      }),
    );
    expect(await performCheck(redisCheck, {}, server.target)).toEqual({ ok: true });
  });

  it('fails when the server closes mid-reply', async () => {
    const server = await fake((socket) => socket.once('data', () => socket.end('+PO')));
    expect(await performCheck(redisCheck, {}, server.target)).toEqual({
      ok: false,
      reason: 'connection closed before the PING reply (received "+PO")',
    });
  });

  it('fails on a reply line longer than the cap', async () => {
    const server = await replying('+'.padEnd(MAX_LINE_BYTES + 100, 'x'));
    expect(await performCheck(redisCheck, {}, server.target)).toEqual({
      ok: false,
      reason: `reply line exceeds ${MAX_LINE_BYTES} bytes`,
    });
  });

  it('fails within the timeout against a server that never answers', async () => {
    const server = await fake();
    const started = performance.now();
    const result = await performCheck(redisCheck, {}, server.target, { timeoutMs: 200 });
    expect(result).toEqual({ ok: false, reason: 'timed out after 200 ms' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('fails on a refused connection', async () => {
    expect(await performCheck(redisCheck, {}, await refusedTarget())).toEqual({
      ok: false,
      reason: 'connection refused',
    });
  });
});

describe('redis check: config', () => {
  it('requires a password when a username is given', () => {
    const messages = [...Value.Errors(RedisCheckConfig, { username: 'alice' })].map(
      (error) => error.message,
    );
    expect(messages).toEqual(['must have properties password when property username is present']);
  });
});
