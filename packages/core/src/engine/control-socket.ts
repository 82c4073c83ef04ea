import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { chmod, lstat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensureDirectory } from '../ensure-directory.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * How long `lighthouse status` waits for a daemon's answer: longer than a daemon may take to
 * assemble it (the writer gives each balancer's `describe()` 2 s).
 */
const ASK_TIMEOUT_MS = 5_000;

/** What a control socket answers `GET /status` with (JSON-serialisable), now or once resolved. */
export type StatusSource = () => unknown;

/** A daemon's control endpoint: a Unix socket, mode 0600, answering `GET /status` with JSON. */
export interface ControlSocket {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Serves `status()` (a value or a promise of one) on a Unix socket beside the daemon's state, so
 * `lighthouse status` can ask a running daemon what it is doing. Only the socket's owner can
 * connect (0600, and a socket is created 0755 at worst under the usual umask, which already needs
 * write access to connect). Never on a network interface. The socket's directory is created if
 * missing. A socket left by a crashed daemon is replaced; one that answers belongs to a running
 * daemon, and is left alone (undefined is returned, with an error logged).
 */
export async function startControlSocket(
  path: string,
  status: StatusSource,
  logger: Logger,
): Promise<ControlSocket | undefined> {
  if (await isSocket(path)) {
    if ((await askDaemon(path)) !== undefined) {
      logger.error('another daemon answers on the control socket; not serving status here', {
        socket: path,
      });
      return undefined;
    }
    await unlink(path).catch(() => undefined);
  }
  const server = createServer((req, res) => {
    req.resume();
    if (req.method !== 'GET' || req.url !== '/status') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    void answer(status).then(
      (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
      (error: unknown) => res.writeHead(500).end(`${describeError(error)}\n`),
    );
  });
  try {
    await ensureDirectory(dirname(path));
    await listen(server, path);
    await chmod(path, 0o600);
  } catch (error) {
    server.close();
    logger.warn('cannot serve status on the control socket', {
      socket: path,
      error: describeError(error),
    });
    return undefined;
  }
  return {
    path,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Asks the daemon behind `path` for its status: the parsed JSON, or undefined when nothing
 * answers (no daemon running, a stale socket, no permission).
 */
export function askDaemon(path: string): Promise<unknown> {
  return new Promise((resolve) => {
    const req = request({ socketPath: path, path: '/status', timeout: ASK_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(text) as unknown) : undefined);
        } catch {
          resolve(undefined);
        }
      });
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The status as one line of JSON; rejects when it cannot be had or serialised. */
async function answer(status: StatusSource): Promise<string> {
  return `${JSON.stringify(await status())}\n`;
}

async function isSocket(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  return info?.isSocket() === true;
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A daemon's control socket that follows its state directory (`state_dir` of `reporter.yaml` or
 * `writer.yaml`): `serveIn` moves it when the directory changes, and does nothing otherwise.
 */
export class StateDirSocket {
  private served: string | undefined;
  private socket: ControlSocket | undefined;

  constructor(
    /** Where the socket lives in a state directory (`reporterSocket`, `writerSocket`). */
    private readonly pathIn: (stateDir: string) => string,
    private readonly status: StatusSource,
    private readonly logger: Logger,
  ) {}

  /** The state directory last asked for; undefined before the first `serveIn`. */
  get stateDir(): string | undefined {
    return this.served;
  }

  /** Serves in `stateDir` (closing the socket elsewhere); says whether the directory changed. */
  async serveIn(stateDir: string): Promise<boolean> {
    if (this.served === stateDir) return false;
    this.served = stateDir;
    await this.socket?.close();
    this.socket = await startControlSocket(this.pathIn(stateDir), this.status, this.logger);
    if (this.socket !== undefined) this.logger.info('serving status', { socket: this.socket.path });
    return true;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    await socket?.close();
  }
}
