import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, RequestListener } from 'node:http';
import type { Socket } from 'node:net';
import { describeError, ErrorCode, LighthouseError, networkFailureReason } from './errors.js';
import type { LogFields, Logger } from './log.js';

/**
 * The hardening shared by the daemons' small local HTTP servers (the metrics exporter, the health
 * proxy): timeouts and a connection cap, bare answers to what never reaches the request handler
 * (unparsable requests, CONNECT), a bind failure turned into a {@link LighthouseError} that names
 * the address, a socket error after listen that is logged instead of crashing the daemon, and a
 * `close()` that does not wait for idle keep-alive connections.
 */

/** Options of {@link startLocalHttpServer}: what differs between its users. */
export interface LocalHttpServerOptions {
  /** What the server is called in log lines and errors, e.g. `metrics exporter`. */
  name: string;
  host: string;
  port: number;
  /** The address as error messages show it, e.g. `127.0.0.1:9100`. */
  where: string;
  /** Why binding failed, after `cannot listen on <where>: `; {@link networkFailureReason} by default. */
  bindFailureReason?: (error: NodeJS.ErrnoException) => string;
  /** What to try when binding failed. */
  bindSuggestions: (error: NodeJS.ErrnoException) => string[];
  /** The kernel's accept queue; Node's default (511) when unset. */
  backlog?: number;
  /** Refuse to share the port with cluster workers. */
  exclusive?: boolean;
  /** Above this many open connections Node destroys new ones at once. */
  maxConnections: number;
  /** A client gets this long to send its headers, and its whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Socket inactivity backstop for anything the timeouts above do not cover; none when unset. */
  socketTimeoutMs?: number;
  /** Node answers 400 to an HTTP/1.1 request without Host unless this is false (default true). */
  requireHostHeader?: boolean;
  /** The `Allow` header of the bare 405 to CONNECT, e.g. `GET, HEAD`. */
  allow: string;
  /** Header lines added to the bare answers, e.g. `Cache-Control: no-store\r\n`. */
  extraHeaders?: string;
  /** The status of the bare answer to a request Node could not parse; 400 when unset. */
  clientErrorStatus?: (error: NodeJS.ErrnoException) => number;
  /** The fields of the `listening` and `closed` log lines; the bound address when unset. */
  logFields?: (address: { host: string; port: number }) => LogFields;
  logger: Logger;
}

/** A running {@link startLocalHttpServer}. */
export interface LocalHttpServer {
  /** The bound address (port resolved when 0 was asked). */
  readonly address: { host: string; port: number };
  /** Stops listening and closes every connection; resolves once the server is closed. */
  close(): Promise<void>;
}

/** How often Node enforces the headers and request timeouts (its default, 30 s, would let them drift). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
/**
 * `close()` ends idle connections at once; connections still mid-request (a client that has not
 * finished its headers, a response still flushing) get this long before they are cut. Answers are
 * computed in memory, so nothing legitimate takes longer.
 */
const CLOSE_GRACE_MS = 500;

/** 431 for headers too large, 408 for a request too slow, 400 for anything else. */
export function clientErrorStatus(error: NodeJS.ErrnoException): number {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * Starts an HTTP server on `options.host`:`options.port` that hands its requests to `handler`.
 * Rejects with {@link ErrorCode.Unavailable} when the address cannot be bound (in use, not an
 * address of this machine), naming it.
 */
export async function startLocalHttpServer(
  options: LocalHttpServerOptions,
  handler: RequestListener,
): Promise<LocalHttpServer> {
  const { name, logger } = options;
  const extraHeaders = options.extraHeaders ?? '';
  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      requireHostHeader: options.requireHostHeader ?? true,
    },
    handler,
  );
  server.maxConnections = options.maxConnections;
  if (options.socketTimeoutMs !== undefined) server.timeout = options.socketTimeoutMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    logger.debug(`${name} client error`, { error: describeError(error), code: error.code });
    refuse(socket, options.clientErrorStatus?.(error) ?? 400, extraHeaders, error);
  });
  // CONNECT never reaches the request handler: Node hands the raw socket over (and would just
  // drop it without a listener). It gets the same 405 as any other method.
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${options.allow}\r\nConnection: close\r\n` +
        `Content-Length: 0\r\n${extraHeaders}\r\n`,
      () => socket.destroy(),
    );
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void =>
      reject(
        new LighthouseError(
          ErrorCode.Unavailable,
          `${name} cannot listen on ${options.where}: ` +
            (options.bindFailureReason ?? networkFailureReason)(error),
          { cause: error, suggestions: options.bindSuggestions(error) },
        ),
      );
    server.once('error', failed);
    const { host, port, backlog, exclusive } = options;
    server.listen({ host, port, backlog, exclusive }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // After listen, 'error' only comes from accept() (EMFILE…): Node retries on its own, and an
  // unhandled 'error' event would crash the daemon, so it is logged and nothing more.
  server.on('error', (error: Error) =>
    logger.warn(`${name} socket error`, { error: describeError(error) }),
  );

  const bound = server.address();
  const address =
    typeof bound === 'object' && bound !== null
      ? { host: bound.address, port: bound.port }
      : { host: options.host, port: options.port };
  const fields = options.logFields?.(address) ?? address;
  logger.info(`${name} listening`, fields);

  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        grace.unref();
        server.close(() => {
          clearTimeout(grace);
          logger.info(`${name} closed`, fields);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/**
 * A request Node could not parse, or that timed out. Like Node's own default, a bare status goes
 * out only when nothing was written on the connection yet: otherwise it would land after an answer
 * already sent (e.g. a body still arriving after a `Connection: close` answer → HPE_CLOSED_CONNECTION)
 * and corrupt the stream for the client. Handling 'clientError' keeps socket errors inside the server.
 */
function refuse(
  socket: Socket,
  status: number,
  extraHeaders: string,
  error: NodeJS.ErrnoException,
): void {
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
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      `Connection: close\r\nContent-Length: 0\r\n${extraHeaders}\r\n`,
    destroy,
  );
}
