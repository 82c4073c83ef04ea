import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { promisify } from 'node:util';
import Value from 'typebox/value';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeCheckPlugin,
  listenLoopback,
  performCheck,
  refusedTarget,
  startTcpServer,
} from '@lighthouse/testing';
import type { TestServer } from '@lighthouse/testing';
import httpCheck from '../src/http.js';
import { HttpCheckConfig } from '../src/schema.js';

describeCheckPlugin(httpCheck, {
  source: '@lighthouse/check-http/dist/http.js',
  validConfig: { uri: '/health' },
  healthy: () => listenLoopback(http.createServer((_, response) => response.end('ok'))),
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function track(server: Promise<TestServer>): Promise<TestServer> {
  servers.push(await server);
  return servers[servers.length - 1] as TestServer;
}

/** What the server saw of the check's request. */
interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
}

/** An HTTP server answering every request with `status` (and `body`), recording the requests. */
async function serve(status: number, body = '', headers: http.OutgoingHttpHeaders = {}) {
  const seen: Seen[] = [];
  const server = await track(
    listenLoopback(
      http.createServer((request, response) => {
        seen.push({ method: request.method, url: request.url, headers: request.headers });
        response.writeHead(status, headers).end(body);
      }),
    ),
  );
  return { target: server.target, seen };
}

describe('http check: status', () => {
  it.each([200, 204])('passes on %i', async (status) => {
    const { target } = await serve(status);
    expect(await performCheck(httpCheck, { uri: '/health' }, target)).toEqual({ ok: true });
  });

  it('fails on a redirect, which it does not follow', async () => {
    const { target, seen } = await serve(301, '', { Location: '/elsewhere' });
    const result = await performCheck(httpCheck, { uri: '/health' }, target);
    expect(result).toEqual({
      ok: false,
      reason: 'HTTP 301 redirect to "/elsewhere" (redirects are not followed)',
    });
    expect(seen.map((request) => request.url)).toEqual(['/health']);
  });

  it('fails on 404 with the status as the reason', async () => {
    const { target } = await serve(404);
    expect(await performCheck(httpCheck, { uri: '/health' }, target)).toEqual({
      ok: false,
      reason: 'HTTP 404',
    });
  });

  it('fails on 500 and quotes the first line of the body', async () => {
    const { target } = await serve(500, 'database down\nstack trace…');
    expect(await performCheck(httpCheck, { uri: '/health' }, target)).toEqual({
      ok: false,
      reason: 'HTTP 500: database down',
    });
  });

  it('fails on 503 promptly even when the body never ends', async () => {
    const server = await track(
      listenLoopback(
        http.createServer((_, response) => {
          response.writeHead(503);
          response.write(`maintenance\n${'x'.repeat(100_000)}`);
        }),
      ),
    );
    const result = await performCheck(httpCheck, { uri: '/' }, server.target, { timeoutMs: 5000 });
    expect(result).toEqual({ ok: false, reason: 'HTTP 503: maintenance' });
  });

  // The engine records its own reason at the deadline: the status the check saw before the
  // abort ("HTTP 503: draining") never reaches the health state.
  it('times out, stopping promptly, when the signal aborts mid-body', async () => {
    const server = await track(
      listenLoopback(
        http.createServer((_, response) => {
          response.writeHead(503);
          response.write('draining');
        }),
      ),
    );
    const result = await performCheck(httpCheck, { uri: '/' }, server.target, { timeoutMs: 300 });
    expect(result).toEqual({ ok: false, reason: 'timed out after 300 ms' });
  });
  it('keeps the status as the reason when the server closes mid-body', async () => {
    const server = await track(
      startTcpServer((socket) =>
        socket.once('data', () =>
          socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\npartial'),
        ),
      ),
    );
    const result = await performCheck(httpCheck, { uri: '/' }, server.target);
    expect(result).toEqual({ ok: false, reason: 'HTTP 503: partial' });
  });
});

describe('http check: broken peers', () => {
  it('fails on a refused connection', async () => {
    const result = await performCheck(httpCheck, { uri: '/' }, await refusedTarget());
    expect(result).toEqual({ ok: false, reason: 'connection refused' });
  });

  it('fails within the timeout against a server that never answers', async () => {
    const server = await track(startTcpServer());
    const started = performance.now();
    const result = await performCheck(httpCheck, { uri: '/' }, server.target, { timeoutMs: 200 });
    expect(result).toEqual({ ok: false, reason: 'timed out after 200 ms' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('fails on a connection reset', async () => {
    const server = await track(
      startTcpServer((socket) => socket.once('data', () => socket.resetAndDestroy())),
    );
    const result = await performCheck(httpCheck, { uri: '/' }, server.target);
    expect(result).toEqual({ ok: false, reason: 'connection reset by peer' });
  });

  it('fails when the server closes without a response', async () => {
    const server = await track(startTcpServer((socket) => socket.once('data', () => socket.end())));
    const result = await performCheck(httpCheck, { uri: '/' }, server.target);
    expect(result).toEqual({ ok: false, reason: 'connection closed before a response' });
  });

  it('fails on bytes that are not HTTP', async () => {
    const server = await track(
      startTcpServer((socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.2\r\n'))),
    );
    const result = await performCheck(httpCheck, { uri: '/' }, server.target);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^not an HTTP response \(Parse Error: /);
  });
});

describe('http check: the request it sends', () => {
  it('sends Host "<host>:<port>", Connection: close, the method and the URI by default', async () => {
    const { target, seen } = await serve(200);
    await performCheck(httpCheck, { uri: '/status?full=1' }, target);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.url).toBe('/status?full=1');
    expect(seen[0]?.headers.host).toBe(`127.0.0.1:${target.port}`);
    expect(seen[0]?.headers.connection).toBe('close');
  });

  it('sends the configured Host header and method', async () => {
    const { target, seen } = await serve(200);
    const config = { uri: '/', host: 'web.example', method: 'HEAD' };
    expect(await performCheck(httpCheck, config, target)).toEqual({ ok: true });
    expect(seen.map(({ method, headers }) => [method, headers.host])).toEqual([
      ['HEAD', 'web.example'],
    ]);
  });

  it('opens a fresh connection for every run', async () => {
    const server = http.createServer((_, response) => response.end('ok'));
    const clientPorts: Array<number | undefined> = [];
    server.on('connection', (socket: Socket) => clientPorts.push(socket.remotePort));
    const { target } = await track(listenLoopback(server));
    for (let run = 0; run < 3; run++) {
      expect(await performCheck(httpCheck, { uri: '/' }, target)).toEqual({ ok: true });
    }
    expect(new Set(clientPorts).size).toBe(3);
  });
});

describe('http check: schema', () => {
  it.each(['health', '/a b', '/tab\there', '/line\nbreak', '/é'])('rejects uri %j', (uri) => {
    expect(Value.Check(HttpCheckConfig, { uri })).toBe(false);
  });

  it('rejects an unknown method and a Host header with a space', () => {
    expect(Value.Check(HttpCheckConfig, { uri: '/', method: 'TRACE' })).toBe(false);
    expect(Value.Check(HttpCheckConfig, { uri: '/', host: 'a b' })).toBe(false);
  });

  it('defaults to GET over plain HTTP with verification on', () => {
    expect(Value.Default(HttpCheckConfig, { uri: '/' })).toEqual({
      uri: '/',
      method: 'GET',
      https: false,
      insecure: false,
    });
  });
});

describe('http check: https', () => {
  let dir = '';
  let tls: { key: Buffer; cert: Buffer };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lighthouse-check-http-'));
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    args.push('-nodes', '-days', '1', '-subj', '/CN=localhost');
    args.push('-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
    args.push('-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'));
    await promisify(execFile)('openssl', args).catch((error: unknown) => {
      throw new Error(`openssl failed (install it with apt-get install openssl): ${String(error)}`);
    });
    tls = {
      key: await readFile(join(dir, 'key.pem')),
      cert: await readFile(join(dir, 'cert.pem')),
    };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const serveTls = () =>
    track(listenLoopback(https.createServer(tls, (_, response) => response.end('ok'))));

  it('passes against a self-signed certificate with insecure: true', async () => {
    const { target } = await serveTls();
    const result = await performCheck(httpCheck, { uri: '/', https: true, insecure: true }, target);
    expect(result).toEqual({ ok: true });
  });

  it('uses the configured host as the TLS server name (SNI)', async () => {
    const names: string[] = [];
    const context = createSecureContext(tls);
    const server = https.createServer(
      {
        ...tls,
        SNICallback: (name, done) => {
          names.push(name);
          done(null, context);
        },
      },
      (_, response) => response.end('ok'),
    );
    const { target } = await track(listenLoopback(server));
    const config = { uri: '/', https: true, insecure: true, host: 'web.example:8443' };
    expect(await performCheck(httpCheck, config, target)).toEqual({ ok: true });
    expect(names).toEqual(['web.example']);
  });

  it('rejects a self-signed certificate by default', async () => {
    const { target } = await serveTls();
    const result = await performCheck(httpCheck, { uri: '/', https: true }, target);
    expect(result).toEqual({ ok: false, reason: 'TLS handshake failed: self-signed certificate' });
  });

  it('fails with a TLS reason against a plain HTTP server', async () => {
    const { target } = await serve(200);
    const result = await performCheck(httpCheck, { uri: '/', https: true, insecure: true }, target);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^TLS handshake failed: /);
  });
});
