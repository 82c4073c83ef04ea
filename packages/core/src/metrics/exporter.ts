import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseListen } from '../config/validate-reporter.js';
import { describeError, ErrorCode, LighthouseError } from '../errors.js';
import { startLocalHttpServer } from '../local-http-server.js';
import type { Logger } from '../log.js';
import { printable } from '../model/names.js';
import type { MetricsSource } from './registry.js';

/**
 * Serves a daemon's metrics for Prometheus: `GET /metrics` (and `HEAD`) answer the text
 * exposition; other paths get 404, other methods 405. It binds exactly the configured address, so
 * it listens on every interface only when told to (`0.0.0.0:…` or `[::]:…`).
 */

/** Options of {@link startMetricsExporter}. */
export interface MetricsExporterOptions {
  /** `host:port` or `[v6]:port` (the syntax of `health_proxy.listen`), e.g. `127.0.0.1:9100`. */
  listen: string;
  /** What to serve; usually the daemon's {@link createMetrics} registry. */
  metrics: MetricsSource;
  logger: Logger;
}

/** A running metrics exporter. */
export interface MetricsExporter {
  /** The bound address. */
  readonly address: { host: string; port: number };
  /** Where Prometheus scrapes it, e.g. `http://127.0.0.1:9100/metrics`. */
  readonly url: string;
  /** Stops listening and closes every connection; resolves once the server is closed. */
  close(): Promise<void>;
}

export const METRICS_PATH = '/metrics';
/** Prometheus scrapes with a handful of connections; anything beyond this is refused at once. */
const MAX_CONNECTIONS = 256;
const HEADERS_TIMEOUT_MS = 5_000;
/** Generous: a scrape of a large registry on a busy host still fits. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Prometheus keeps its connection between scrapes (every 15 s or so by default). */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const ALLOW_HEADER = 'GET, HEAD';

/** `host:port`, with brackets around an IPv6 host. */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts serving `options.metrics` on `options.listen`. Rejects when the address is not
 * `host:port` or cannot be bound (in use, not an address of this machine), naming the address.
 */
export async function startMetricsExporter(
  options: MetricsExporterOptions,
): Promise<MetricsExporter> {
  const parsed = parseListen(options.listen);
  if ('problem' in parsed)
    throw new LighthouseError(
      ErrorCode.ConfigInvalid,
      `metrics exporter listen address: ${parsed.problem}`,
    );
  const { host, port } = parsed;
  const where = printable(formatHostPort(host, port));
  const logger = options.logger.child({ component: 'metrics-exporter' });

  const server = await startLocalHttpServer(
    {
      name: 'metrics exporter',
      host,
      port,
      where,
      bindSuggestions: (error) =>
        error.code === 'EADDRINUSE'
          ? [`another process holds ${where}: choose another port or stop that process`]
          : ['the host must be an address of this machine (e.g. 127.0.0.1 or [::1])'],
      exclusive: true,
      maxConnections: MAX_CONNECTIONS,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      allow: ALLOW_HEADER,
      logFields: (address) => ({ url: urlOf(address) }),
      logger,
    },
    (request, response) => void answer(request, response, options.metrics, logger),
  );
  return { address: server.address, url: urlOf(server.address), close: () => server.close() };
}

/** Where Prometheus scrapes the exporter bound at `address`. */
function urlOf(address: { host: string; port: number }): string {
  return `http://${formatHostPort(address.host, address.port)}${METRICS_PATH}`;
}

/** Answers one request; never rejects (a failing exposition is a 500, logged). */
async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  metrics: MetricsSource,
  logger: Logger,
): Promise<void> {
  const method = request.method ?? '';
  const path = (request.url ?? '').split('?', 1)[0];
  let status: number;
  let type = 'text/plain; charset=utf-8';
  let body: string;
  if (method !== 'GET' && method !== 'HEAD') {
    status = 405;
    body = 'method not allowed: use GET or HEAD\n';
    response.setHeader('Allow', ALLOW_HEADER);
  } else if (path !== METRICS_PATH) {
    status = 404;
    body = `not found: metrics are at ${METRICS_PATH}\n`;
  } else {
    try {
      body = await metrics.exposition();
      status = 200;
      type = metrics.contentType;
    } catch (error) {
      logger.error('metrics exporter could not collect the metrics', {
        error: describeError(error),
      });
      status = 500;
      body = 'internal error: could not collect the metrics\n';
    }
  }
  if (response.destroyed) return;
  response.statusCode = status;
  response.setHeader('Content-Type', type);
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  // HEAD: Node sends the same headers (Content-Length included) and drops the body itself.
  response.end(body);
  logger.debug('metrics exporter answered', {
    method: printable(method, 16),
    path: printable(request.url ?? '', 120),
    status,
  });
}
