import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { freePort, recordingLogger } from '@lighthouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLighthouseError } from '../../src/errors.js';
import { createMetrics, startMetricsExporter } from '../../src/metrics/index.js';
import type { MetricsExporter, MetricsRegistry } from '../../src/metrics/index.js';

/** The exporter over real HTTP: /metrics, HEAD, 404/405, exact binding, IPv6, bind failures. */

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request, on a fresh connection unless an agent is given. */
function send(
  target: { host: string; port: number },
  path: string,
  method = 'GET',
  agent: Agent | false = false,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: target.host, port: target.port, path, method, agent });
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    outgoing.end();
  });
}

/** The error code of a TCP connection attempt, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Listens on `host` port 0; undefined when this machine cannot bind that address. */
function listenOn(host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port: 0 }, () => resolve(server));
  });
}

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => server.close(() => resolve()));

/**
 * A server of ours on 127.0.0.1:P and an exporter on [::1]:P. Another process may hold [::1]:P
 * for a port the kernel gave us on 127.0.0.1, so a few ports are tried.
 */
async function exporterOnV6BesideV4Holder(): Promise<{
  holder: Server;
  port: number;
  v6: MetricsExporter;
}> {
  for (let attempt = 1; ; attempt += 1) {
    const holder = await listenOn('127.0.0.1');
    if (holder === undefined) throw new Error('cannot listen on 127.0.0.1');
    const address = holder.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const v6 = await startMetricsExporter({
        listen: `[::1]:${port}`,
        metrics,
        logger: recordingLogger(),
      });
      return { holder, port, v6 };
    } catch (error) {
      await closeServer(holder);
      if (attempt === 5) throw error;
    }
  }
}

const logger = recordingLogger();
let metrics: MetricsRegistry;
let exporter: MetricsExporter;
let target: { host: string; port: number };

beforeAll(async () => {
  metrics = createMetrics({ defaultMetrics: false });
  const port = await freePort();
  exporter = await startMetricsExporter({ listen: `127.0.0.1:${port}`, metrics, logger });
  target = { host: '127.0.0.1', port };
});
afterAll(() => exporter.close());

describe('metrics exporter', () => {
  it('binds exactly the address it was given and says where', () => {
    expect(exporter.address).toEqual(target);
    expect(exporter.url).toBe(`http://127.0.0.1:${target.port}/metrics`);
    expect(logger.matching('info', 'metrics exporter listening')).toEqual([
      expect.objectContaining({ fields: expect.objectContaining({ url: exporter.url }) }),
    ]);
  });

  it.runIf(process.platform === 'linux')(
    'is not reachable on another loopback address (it did not bind 0.0.0.0)',
    async () => {
      // On Linux all of 127.0.0.0/8 is loopback: a wildcard bind would accept 127.0.0.2 too.
      expect(await tryConnect('127.0.0.1', target.port)).toBe('connected');
      expect(await tryConnect('127.0.0.2', target.port)).toBe('ECONNREFUSED');
    },
  );

  it('answers GET /metrics with the exposition, as it is now', async () => {
    const counter = metrics.counter({ name: 'lighthouse_test_scrapes_total', help: 'Scrapes.' });
    counter.inc();
    const first = await send(target, '/metrics');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength(first.body)));
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toContain('# HELP lighthouse_test_scrapes_total Scrapes.\n');
    expect(first.body).toContain('# TYPE lighthouse_test_scrapes_total counter\n');
    expect(first.body).toContain('\nlighthouse_test_scrapes_total 1\n');
    counter.inc(undefined, 2);
    const second = await send(target, '/metrics?debug=1');
    expect(second.status).toBe(200);
    expect(second.body).toContain('\nlighthouse_test_scrapes_total 3\n');
  });

  it('answers HEAD with the same headers and no body', async () => {
    const get = await send(target, '/metrics');
    const head = await send(target, '/metrics', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });

  it('answers 404 for other paths', async () => {
    for (const path of ['/', '/metrics/', '/metricsx', '/Metrics', '/status', '//metrics']) {
      const reply = await send(target, path);
      expect(reply.status, path).toBe(404);
      expect(reply.body, path).toBe('not found: metrics are at /metrics\n');
    }
  });

  it('answers 405 with Allow for other methods, CONNECT included', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const reply = await send(target, '/metrics', method);
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow, method).toBe('GET, HEAD');
    }
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(target);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
  });

  it('answers 500 and logs when the metrics cannot be collected', async () => {
    const failing = recordingLogger();
    const port = await freePort();
    const broken = await startMetricsExporter({
      listen: `127.0.0.1:${port}`,
      metrics: {
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        exposition: () => Promise.reject(new Error('collector exploded')),
      },
      logger: failing,
    });
    try {
      const reply = await send({ host: '127.0.0.1', port }, '/metrics');
      expect(reply.status).toBe(500);
      expect(reply.body).not.toContain('exploded');
      expect(failing.at('error')).toEqual([
        expect.objectContaining({
          fields: expect.objectContaining({ error: 'collector exploded' }),
        }),
      ]);
    } finally {
      await broken.close();
    }
  });
});

describe('binding', () => {
  it('rejects a port in use, naming the address', async () => {
    const holder = await listenOn('127.0.0.1');
    if (holder === undefined) throw new Error('cannot bind 127.0.0.1');
    const address = holder.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const error: unknown = await startMetricsExporter({
        listen: `127.0.0.1:${port}`,
        metrics,
        logger: recordingLogger(),
      }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(isLighthouseError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'LH_UNAVAILABLE' });
      expect((error as Error).message).toBe(
        `metrics exporter cannot listen on 127.0.0.1:${port}: address already in use`,
      );
    } finally {
      await closeServer(holder);
    }
  });

  it('rejects the same port taken by another exporter', async () => {
    await expect(
      startMetricsExporter({ listen: `127.0.0.1:${target.port}`, metrics, logger }),
    ).rejects.toThrow(`cannot listen on 127.0.0.1:${target.port}`);
  });

  it('rejects a listen address that is not host:port', async () => {
    for (const listen of ['localhost', '127.0.0.1:0', '::1:9100', ':9100', '127.0.0.1:70000']) {
      await expect(
        startMetricsExporter({ listen, metrics, logger: recordingLogger() }),
        listen,
      ).rejects.toThrow(/^metrics exporter listen address: .* is not host:port/);
    }
  });

  it('serves on IPv6 loopback [::1] only, beside our own server on 127.0.0.1 at the same port', async (context) => {
    const probe = await listenOn('::1');
    if (probe === undefined) {
      context.skip('this machine cannot bind ::1 (no IPv6 loopback): IPv6 NOT verified');
      return;
    }
    await closeServer(probe);
    // We hold 127.0.0.1:port ourselves, so no other process on this machine can answer there:
    // the exporter on [::1]:port must start beside it, and IPv4 connections reach the holder.
    const { holder, port, v6 } = await exporterOnV6BesideV4Holder();
    let holderConnections = 0;
    holder.on('connection', (socket) => {
      holderConnections += 1;
      socket.destroy();
    });
    try {
      expect(v6.address).toEqual({ host: '::1', port });
      expect(v6.url).toBe(`http://[::1]:${port}/metrics`);
      const reply = await send({ host: '::1', port }, '/metrics');
      expect(reply.status).toBe(200);
      expect(reply.body).toContain('lighthouse_test_scrapes_total');
      expect(await tryConnect('127.0.0.1', port)).toBe('connected');
      await expect.poll(() => holderConnections).toBe(1);
    } finally {
      await v6.close();
      await closeServer(holder);
    }
  });

  it('close() stops listening, even with a kept-alive connection, and can be called twice', async () => {
    const port = await freePort();
    const own = await startMetricsExporter({
      listen: `127.0.0.1:${port}`,
      metrics,
      logger: recordingLogger(),
    });
    const agent = new Agent({ keepAlive: true });
    try {
      expect((await send({ host: '127.0.0.1', port }, '/metrics', 'GET', agent)).status).toBe(200);
      const closing = own.close();
      expect(own.close()).toBe(closing);
      await closing;
      expect(await tryConnect('127.0.0.1', port)).toBe('ECONNREFUSED');
    } finally {
      agent.destroy();
    }
  });
});
