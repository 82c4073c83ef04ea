import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describeError, ErrorCode, LighthouseError } from '../errors.js';
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
/** How often Node enforces the two timeouts above (its default, 30 s, would let them drift). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
/** An idle keep-alive connection is closed after this long. */
export const KEEP_ALIVE_TIMEOUT_MS = 2_000;
/** Socket inactivity backstop for anything the timeouts above do not cover. */
const SOCKET_TIMEOUT_MS = 10_000;
/**
 * `close()` ends idle connections at once; connections still mid-request (a client that has not
 * finished its headers, a response still flushing) get this long before they are cut. Answers are
 * computed synchronously, so nothing legitimate takes longer.
 */
const CLOSE_GRACE_MS = 500;

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

  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // HAProxy's `option httpchk GET /uri HTTP/1.1` sends no Host unless told to; the routes
      // never look at Host, so Node's 400 for a missing one would only break such configs.
      requireHostHeader: false,
    },
    (request, response) => answer(request, response, options.ports, started, logger),
  );
  server.maxConnections = HEALTH_PROXY_MAX_CONNECTIONS;
  server.timeout = SOCKET_TIMEOUT_MS;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
    refuse(error, socket, logger),
  );
  // CONNECT never reaches the request handler: Node hands the raw socket over (and would just
  // drop it without a listener). It gets the same 405 as any other method.
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${ALLOW_HEADER}\r\nConnection: close\r\n` +
        'Content-Length: 0\r\nCache-Control: no-store\r\n\r\n',
      () => socket.destroy(),
    );
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      reject(
        new LighthouseError(
          ErrorCode.Unavailable,
          `health proxy cannot listen on ${printable(host)}:${options.port}: ${describeError(error)}`,
          {
            cause: error,
            suggestions: [
              'another process may hold the port: choose another one or stop it',
              'the host must be an address of this machine (default 127.0.0.1)',
            ],
          },
        ),
      );
    };
    server.once('error', failed);
    server.listen({ host, port: options.port, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // After listen, 'error' only comes from accept() (EMFILE…): Node retries on its own, and an
  // unhandled 'error' event would crash the reporter, so it is logged and nothing more.
  server.on('error', (error: Error) =>
    logger.warn('health proxy socket error', { error: describeError(error) }),
  );

  const bound = server.address();
  const address = {
    host: typeof bound === 'object' && bound !== null ? bound.address : host,
    port: typeof bound === 'object' && bound !== null ? bound.port : options.port,
  };
  logger.info('health proxy listening', address);

  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        grace.unref();
        server.close(() => {
          clearTimeout(grace);
          logger.info('health proxy closed', address);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
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

/**
 * A request Node could not parse, or that timed out. Like Node's own default, a bare status goes
 * out only when nothing was written on the connection yet: otherwise it would land after an answer
 * already sent (e.g. a body still arriving after our `Connection: close` answer → HPE_CLOSED_CONNECTION)
 * and corrupt the stream for the client. Handling 'clientError' keeps socket errors inside the server.
 */
function refuse(error: NodeJS.ErrnoException, socket: Socket, logger: Logger): void {
  logger.debug('health proxy client error', { error: describeError(error), code: error.code });
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // end() then destroy: what was written is flushed first, and a peer that never closes its
  // half of the connection does not keep the socket.
  const destroy = (): void => void socket.destroy();
  if (socket.bytesWritten > 0) {
    socket.end(destroy);
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : 400;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n',
    destroy,
  );
}
