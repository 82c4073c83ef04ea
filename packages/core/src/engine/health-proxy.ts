import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../errors.js';
import { clientErrorStatus, startLocalHttpServer } from '../local-http-server.js';
import type { Logger } from '../log.js';
import { printable } from '../model/names.js';
import { healthAnswer, parseHealthRoute, statusAnswer } from './health-proxy-routes.js';
import type { HealthAnswer, PortHealth } from './health-proxy-routes.js';

export {
  healthAnswer,
  parseHealthRoute,
  statusAnswer,
  UNKNOWN_ROUTE_BODY,
} from './health-proxy-routes.js';
export type {
  HealthAnswer,
  HealthRoute,
  PortHealth,
  PortHealthCheck,
  PortMaintenance,
} from './health-proxy-routes.js';

/**
 * A hacheck-compatible HTTP health endpoint for HAProxy's `option httpchk`. Unlike hacheck it is
 * not a proxy at all: it answers from the reporter's LATEST check results and maintenance state,
 * so it can neither be used to reach arbitrary localhost ports (hacheck's open-proxy weakness) nor
 * add load to the service, however often HAProxy asks.
 *
 * HAProxy setup: plain `option httpchk` sends `OPTIONS /`, which names no service and gets 404, so
 * the backend must say which port it means:
 *
 *     option httpchk GET /http/<service>/<port>/
 *     server web1 10.0.0.1:8080 check port 3333 inter 2s
 *
 * Connections: keep-alive is allowed (Node's default) but idle connections are dropped after
 * {@link KEEP_ALIVE_TIMEOUT_MS}. HAProxy opens a new connection per check anyway, and tools that
 * reuse connections (curl, monitoring agents) cost nothing extra for it.
 */

/** Options of {@link startHealthProxy}. */
export interface HealthProxyOptions {
  /** Where to listen; host defaults to 127.0.0.1. */
  host?: string;
  port: number;
  /** The reporter's live state, asked on every request (cheap; never cached here). */
  ports: () => readonly PortHealth[];
  logger: Logger;
}

/** A running health proxy. */
export interface HealthProxy {
  /** The bound address (port resolved when 0 was asked). */
  readonly address: { host: string; port: number };
  /** Stops listening and closes every connection; resolves once the server is closed. */
  close(): Promise<void>;
}

/** Loopback unless configured: the answers describe the host's services to whoever asks. */
export const DEFAULT_HEALTH_PROXY_HOST = '127.0.0.1';

/**
 * Above this many open connections Node destroys new ones at once (a clean refusal) instead of
 * accepting until the process runs out of file descriptors. A few hundred HAProxy instances
 * checking every backend server every second stay far below it; a flood does not take the
 * reporter (whose ZooKeeper session shares the process) down with it.
 */
export const HEALTH_PROXY_MAX_CONNECTIONS = 4096;
/** The kernel's accept queue; bursts wait here (capped by net.core.somaxconn) instead of SYN retries. */
const LISTEN_BACKLOG = 4096;
/** A client gets this long to send its headers, and its whole request: slowloris ends quickly. */
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 5_000;
/** An idle keep-alive connection is closed after this long. */
export const KEEP_ALIVE_TIMEOUT_MS = 2_000;
/** Socket inactivity backstop for anything the timeouts above do not cover. */
const SOCKET_TIMEOUT_MS = 10_000;

const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALLOW_HEADER = [...ALLOWED_METHODS].join(', ');

/**
 * Starts the health proxy. Routes: `/<protocol>/<service>/<port>[/<rest>]` (checks and
 * maintenance), `/spool/<service>/<port>[/<rest>]` (maintenance only; port 0 = whole service) and
 * `/status` (JSON); see {@link healthAnswer}. GET, HEAD and OPTIONS are answered alike (HEAD
 * without a body); other methods get 405. Rejects when the address cannot be bound.
 */
export async function startHealthProxy(options: HealthProxyOptions): Promise<HealthProxy> {
  const host = options.host ?? DEFAULT_HEALTH_PROXY_HOST;
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new RangeError(`health proxy port ${String(options.port)} is not an integer 0-65535`);
  }
  const logger = options.logger.child({ component: 'health-proxy' });
  const started = Date.now();

  return startLocalHttpServer(
    {
      name: 'health proxy',
      host,
      port: options.port,
      where: `${printable(host)}:${options.port}`,
      bindFailureReason: describeError,
      bindSuggestions: () => [
        'another process may hold the port: choose another one or stop it',
        'the host must be an address of this machine (default 127.0.0.1)',
      ],
      backlog: LISTEN_BACKLOG,
      maxConnections: HEALTH_PROXY_MAX_CONNECTIONS,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      socketTimeoutMs: SOCKET_TIMEOUT_MS,
      // HAProxy's `option httpchk GET /uri HTTP/1.1` sends no Host unless told to; the routes
      // never look at Host, so Node's 400 for a missing one would only break such configs.
      requireHostHeader: false,
      allow: ALLOW_HEADER,
      extraHeaders: 'Cache-Control: no-store\r\n',
      clientErrorStatus,
      logger,
    },
    (request, response) => answer(request, response, options.ports, started, logger),
  );
}

/** Answers one request; never throws (a failing `ports()` is a 500, logged). */
function answer(
  request: IncomingMessage,
  response: ServerResponse,
  ports: () => readonly PortHealth[],
  started: number,
  logger: Logger,
): void {
  const method = request.method ?? '';
  let result: HealthAnswer;
  let type = 'text/plain; charset=utf-8';
  if (!ALLOWED_METHODS.has(method)) {
    result = { status: 405, body: 'method not allowed: use GET, HEAD or OPTIONS\n' };
    response.setHeader('Allow', ALLOW_HEADER);
  } else {
    try {
      const route = parseHealthRoute(request.url ?? '');
      if (route.kind === 'status') {
        result = statusAnswer(ports(), Date.now() - started);
        type = 'application/json; charset=utf-8';
      } else {
        result = healthAnswer(route, ports());
      }
    } catch (error) {
      logger.error('health proxy could not answer', { error: describeError(error) });
      result = { status: 500, body: 'internal error\n' };
    }
  }
  // The body is never read. A request that carries one gets `Connection: close`, so Node drops the
  // connection after the answer rather than keeping it to read (and discard) the body.
  if (request.headers['content-length'] !== undefined || request.headers['transfer-encoding']) {
    response.setHeader('Connection', 'close');
  }
  response.statusCode = result.status;
  response.setHeader('Content-Type', type);
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Length', Buffer.byteLength(result.body));
  // HEAD: Node sends the same headers (Content-Length included) and drops the body itself.
  response.end(result.body);
  logger.debug('health proxy answered', {
    method: printable(method, 16),
    path: printable(request.url ?? '', 120),
    status: result.status,
  });
}
