import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordingLogger } from '@lighthouse/testing';
import { startHealthProxy, UNKNOWN_ROUTE_BODY } from '../../src/engine/health-proxy.js';
import type { HealthProxy, PortHealth } from '../../src/engine/health-proxy.js';
import { hasControlCharacter } from '../../src/model/names.js';
import { failingPort, healthyPort, rawExchange, rawStatus, send } from './health-proxy-support.js';

/**
 * The health proxy over real HTTP: every route and method, HEAD, hostile paths, /status, and
 * answers that follow the reporter's state without a restart.
 *
 * HAProxy's plain `option httpchk` sends `OPTIONS /`, which names no service and gets 404 here,
 * so HAProxy must be configured with `option httpchk GET /http/<svc>/<port>/` (see the HAProxy
 * test next to this one).
 */

const logger = recordingLogger();
let state: PortHealth[] = [];
let proxy: HealthProxy;
let port: number;

beforeAll(async () => {
  proxy = await startHealthProxy({ port: 0, ports: () => state, logger });
  port = proxy.address.port;
});
afterAll(() => proxy.close());
beforeEach(() => {
  state = [healthyPort('web', 8080), failingPort('web', 8081, 'connection refused')];
});

describe('health proxy routes', () => {
  it('listens on loopback by default, on the port the kernel chose', () => {
    expect(proxy.address.host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(logger.matching('info', 'health proxy listening')).toHaveLength(1);
  });

  it('answers 200 for a healthy port with text, no-store headers', async () => {
    const reply = await send(port, '/http/web/8080/');
    expect(reply).toMatchObject({ status: 200, body: 'OK: web:8080 is healthy\n' });
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['content-length']).toBe(String(reply.body.length));
    // Any protocol word, with or without the rest, query ignored.
    for (const path of ['/tcp/web/8080', '/redis/web/8080/x/y?z=1', '/mysql/web/08080/']) {
      expect((await send(port, path)).status, path).toBe(200);
    }
  });

  it('answers 503 with the reason for a failing port', async () => {
    expect(await send(port, '/http/web/8081/')).toMatchObject({
      status: 503,
      body: 'Service web:8081 is failing: connection refused\n',
    });
  });

  it('answers 404 for unknown services, ports and routes', async () => {
    expect(await send(port, '/http/api/8080/')).toMatchObject({
      status: 404,
      body: 'unknown service api\n',
    });
    expect(await send(port, '/http/web/9999/')).toMatchObject({
      status: 404,
      body: 'unknown service web:9999\n',
    });
    for (const path of ['/', '/http/web/0/', '/http/web/65536/', '/status/count', '/recent']) {
      expect(await send(port, path), path).toMatchObject({ status: 404, body: UNKNOWN_ROUTE_BODY });
    }
  });

  it('answers GET, HEAD and OPTIONS alike, HEAD without a body; other methods get 405', async () => {
    for (const [path, status] of [
      ['/http/web/8080/', 200],
      ['/http/web/8081/', 503],
      ['/http/nope/1/', 404],
      ['/spool/web/0/', 200],
      ['/status', 200],
      ['/', 404],
    ] as const) {
      const get = await send(port, path);
      const head = await send(port, path, { method: 'HEAD' });
      const options = await send(port, path, { method: 'OPTIONS' });
      expect([get.status, head.status, options.status], path).toEqual([status, status, status]);
      expect(head.body).toBe('');
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      // /status differs only in its uptime, which may tick between the two requests.
      const withoutUptime = (body: string) => body.replace(/"uptime_s":\d+/, '');
      expect(withoutUptime(options.body)).toBe(withoutUptime(get.body));
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE']) {
      const reply = await send(port, '/http/web/8080/', { method });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD, OPTIONS');
    }
  });

  it('never reads a request body and closes such connections after answering', async () => {
    const post = await send(port, '/http/web/8080/', { method: 'POST', body: 'x'.repeat(20_000) });
    expect(post.status).toBe(405);
    expect(post.headers.connection).toBe('close');
    const get = await send(port, '/http/web/8080/', { body: 'ignored' });
    expect(get).toMatchObject({ status: 200, body: 'OK: web:8080 is healthy\n' });
    expect(get.headers.connection).toBe('close');
  });

  it('reports maintenance down and drain, with reason and expiry, over failing checks', async () => {
    state = [
      { ...healthyPort('web', 8080), maintenance: { mode: 'down', reason: 'disk swap', since: 1 } },
      {
        ...failingPort('web', 8081, 'refused'),
        maintenance: { mode: 'drain', reason: 'deploy', since: 1, until: Date.UTC(2030, 0, 2) },
      },
    ];
    expect(await send(port, '/http/web/8080/')).toMatchObject({
      status: 503,
      body: 'Service web in down state: disk swap\n',
    });
    expect(await send(port, '/tcp/web/8081')).toMatchObject({
      status: 503,
      body: 'Service web in drain state: deploy until 2030-01-02T00:00:00.000Z\n',
    });
  });

  it('answers /spool from maintenance only; port 0 is the whole service', async () => {
    expect(await send(port, '/spool/web/8081/')).toMatchObject({ status: 200, body: 'OK\n' });
    expect(await send(port, '/spool/web/0')).toMatchObject({ status: 200, body: 'OK\n' });
    expect((await send(port, '/spool/web/9999/')).status).toBe(404);
    expect(await send(port, '/spool/api/0/')).toMatchObject({
      status: 404,
      body: 'unknown service api\n',
    });
    state[1] = { ...state[1]!, maintenance: { mode: 'down', reason: 'rack move', since: 1 } };
    expect(await send(port, '/spool/web/0/')).toMatchObject({
      status: 503,
      body: 'Service web in down state: rack move\n',
    });
    expect((await send(port, '/spool/web/8080/')).status).toBe(200);
  });

  it('follows changes of the state on every request, without a restart', async () => {
    expect((await send(port, '/http/web/8080/')).status).toBe(200);
    state[0] = failingPort('web', 8080, 'HTTP 500');
    expect(await send(port, '/http/web/8080/')).toMatchObject({
      status: 503,
      body: 'Service web:8080 is failing: HTTP 500\n',
    });
    state.push(healthyPort('api', 9000));
    expect((await send(port, '/http/api/9000/')).status).toBe(200);
    state = [];
    expect((await send(port, '/http/web/8080/')).status).toBe(404);
  });

  it('serves /status as sorted JSON', async () => {
    state = [healthyPort('web', 8080), healthyPort('api', 9000), failingPort('web', 80, 'x')];
    const reply = await send(port, '/status');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(reply.body) as { ports: PortHealth[]; uptime_s: number };
    expect(body.ports.map((entry) => `${entry.service}:${entry.port}`)).toEqual([
      'api:9000',
      'web:80',
      'web:8080',
    ]);
    expect(body.ports[1]).toMatchObject({ healthy: false, registered: false, reason: 'x' });
    expect(body.ports[0]?.checks[0]?.last).toEqual({ ok: true, at: '2026-01-01T00:00:00.000Z' });
    expect(body.uptime_s).toBeGreaterThanOrEqual(0);
  });
});

describe('health proxy against hostile requests', () => {
  it('answers 404 to traversal, encoded control characters, bad escapes and huge names', async () => {
    const huge = 'a'.repeat(10_000);
    const cases: [string, string][] = [
      ['/http/../../etc/passwd/1/', UNKNOWN_ROUTE_BODY],
      ['/http/web%2F..%2F..%2Fetc/80/', 'unknown service web/../../etc\n'],
      ['/http/web%0a/80/', 'unknown service web\\u000a\n'],
      ['/http/web%0d%0aSet-Cookie:%20x/80/', 'unknown service web\\u000d\\u000aSet-Cookie: x\n'],
      ['/http/%ZZ/80/', UNKNOWN_ROUTE_BODY],
      ['/http/web/80/%ZZ', 'unknown service web:80\n'],
      [`/http/${huge}/8080/`, `unknown service ${'a'.repeat(80)}…\n`],
    ];
    for (const [path, body] of cases) {
      const reply = await send(port, path);
      expect(reply, path).toMatchObject({ status: 404, body });
      expect(reply.headers['set-cookie']).toBeUndefined();
    }
    // Whatever the path, the log lines carry no raw control characters and no 10 KB names.
    for (const line of logger.lines) {
      for (const value of Object.values(line.fields)) {
        if (typeof value !== 'string') continue;
        expect(hasControlCharacter(value)).toBe(false);
        expect(value.length).toBeLessThan(200);
      }
    }
    expect((await send(port, '/http/web/8080/')).status).toBe(200);
  });

  it('answers 400 to requests Node cannot parse, 405 to CONNECT, and keeps serving', async () => {
    for (const text of [
      'GET /http/web\u0001/8080/ HTTP/1.1\r\nHost: x\r\n\r\n',
      'GARBAGE\r\n\r\n',
      'GET /http/web/8080/ HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n',
    ]) {
      expect(rawStatus(await rawExchange(port, text)), JSON.stringify(text)).toBe(400);
    }
    expect(rawStatus(await rawExchange(port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n\r\n`))).toBe(
      431,
    );
    // CONNECT bypasses the request handler in Node; it still gets a 405 rather than silence.
    const connect = await rawExchange(port, 'CONNECT example.com:80 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(rawStatus(connect)).toBe(405);
    expect(connect).toContain('Allow: GET, HEAD, OPTIONS\r\n');
    expect((await send(port, '/http/web/8080/')).status).toBe(200);
  });

  it('answers HTTP/1.0 and HTTP/1.1 without Host, as HAProxy may send them', async () => {
    for (const version of ['1.0', '1.1']) {
      const reply = await rawExchange(
        port,
        `GET /http/web/8080/ HTTP/${version}\r\nConnection: close\r\n\r\n`,
      );
      expect(rawStatus(reply), version).toBe(200);
      expect(reply.endsWith('OK: web:8080 is healthy\n')).toBe(true);
    }
  });

  it('answers 500 when the state cannot be read, logs it, and recovers', async () => {
    const failing = await startHealthProxy({
      port: 0,
      logger,
      ports: () => {
        throw new Error('state broke');
      },
    });
    try {
      expect(await send(failing.address.port, '/http/web/8080/')).toMatchObject({
        status: 500,
        body: 'internal error\n',
      });
      expect(logger.matching('error', 'health proxy could not answer')[0]?.fields).toMatchObject({
        error: 'state broke',
      });
    } finally {
      await failing.close();
    }
  });
});
