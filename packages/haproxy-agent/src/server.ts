import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { describeError, ErrorCode, LighthouseError, printable } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';

/**
 * Above this many open connections Node closes new ones at once; HAProxy counts a refused or
 * closed agent connection as "no news", not as a failure. Each answer takes one write, so even a
 * few hundred HAProxy instances asking every second stay far below it.
 */
export const AGENT_MAX_CONNECTIONS = 4096;
/** The kernel's accept queue: bursts wait here (capped by net.core.somaxconn). */
const LISTEN_BACKLOG = 4096;
/** A peer that does not close its side after our answer is cut off after this long. */
export const AGENT_SOCKET_TIMEOUT_MS = 5_000;
/** Repeated accept errors (EMFILE…) are logged at most this often per error code. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/** Settings of {@link startAgentServer}. */
export interface AgentServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The current answer, without newline; asked once per connection. */
  reply: () => string;
  log: Logger;
  /** Names the agent in error messages, e.g. `the haproxy agent of service "web"`. */
  owner?: string;
}

/** A listening agent-check responder. */
export interface AgentServer {
  /** The bound address (the port resolved when 0 was asked). */
  readonly address: { host: string; port: number };
  /** Stops listening, destroys open connections, and resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * Listens for HAProxy's agent checks: every connection gets the current answer and a newline,
 * then the connection is ended. Nothing the peer sends is awaited or interpreted (HAProxy's
 * `agent-send` text is read and discarded, so closing never resets a connection with unread
 * data). Rejects with a clear message when the address cannot be bound.
 */
export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const sockets = new Set<Socket>();
  const owner = options.owner ?? 'the haproxy agent';
  const server = createServer({ allowHalfOpen: false }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // ECONNRESET and friends: the peer went away; there is nothing left to do for it.
    socket.on('error', () => socket.destroy());
    socket.setTimeout(AGENT_SOCKET_TIMEOUT_MS, () => socket.destroy());
    socket.resume();
    socket.end(`${answer(options)}\n`);
  });
  server.maxConnections = AGENT_MAX_CONNECTIONS;

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      reject(listenError(error, options, owner));
    };
    server.once('error', failed);
    server.listen({ host: options.host, port: options.port, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  // After listen, 'error' only comes from accept() (EMFILE…): Node keeps listening, and an
  // unhandled 'error' event would crash the reporter, so it is logged (not once per connection).
  const logged = new Map<string, number>();
  const warnNow = (key: string): boolean => {
    const now = Date.now();
    if (now - (logged.get(key) ?? -Infinity) < ERROR_LOG_INTERVAL_MS) return false;
    logged.set(key, now);
    return true;
  };
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (warnNow(error.code ?? 'unknown'))
      options.log.warn('agent socket error', { error: describeError(error) });
  });
  // Over maxConnections Node closes the new connection (HAProxy: no news, state unchanged).
  server.on('drop', () => {
    if (warnNow('drop'))
      options.log.warn(
        `agent connections over ${AGENT_MAX_CONNECTIONS} are being closed unanswered`,
      );
  });

  const bound = server.address();
  const address = {
    host: typeof bound === 'object' && bound !== null ? bound.address : options.host,
    port: typeof bound === 'object' && bound !== null ? bound.port : options.port,
  };

  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** The answer for one connection; a failing `reply` sends an empty line (HAProxy: no change). */
function answer(options: AgentServerOptions): string {
  try {
    return options.reply();
  } catch (error) {
    options.log.error('computing the agent answer failed', { error: describeError(error) });
    return '';
  }
}

function listenError(
  error: NodeJS.ErrnoException,
  options: AgentServerOptions,
  owner: string,
): LighthouseError {
  const host = printable(options.host);
  const where = `listen_address ${host}`;
  let problem: string;
  let suggestion: string;
  switch (error.code) {
    case 'EADDRINUSE':
      problem = `port ${options.port} is in use (${where})`;
      suggestion = `another process (or another service's agent) holds port ${options.port}: choose another port or stop it`;
      break;
    case 'EACCES':
      problem = `port ${options.port} needs privileges to bind (${where})`;
      suggestion = 'use a port above 1023';
      break;
    case 'EADDRNOTAVAIL':
      problem = `${host} is not an address of this machine`;
      suggestion = 'set listen_address to one of its addresses, or leave it at 0.0.0.0';
      break;
    default:
      problem = `cannot listen on ${host}:${options.port}: ${describeError(error)}`;
      suggestion = 'check listen_address and port';
  }
  return new LighthouseError(ErrorCode.Unavailable, `${owner} cannot start: ${problem}`, {
    cause: error,
    suggestions: [suggestion],
  });
}
