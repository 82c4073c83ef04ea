import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { debugFor, noopMetrics } from '@lighthouse/core';
import type { Metrics, Node, PluginContext } from '@lighthouse/core';
import { createLogger } from '@lighthouse/core/engine';
import { waitFor } from '@lighthouse/testing';
import { ZooKeeperDiscovery } from '../src/discovery.js';
import { ZooKeeperSession } from '../src/session.js';
import type { ZooKeeperConfig } from '../src/schema.js';

/**
 * Shared pieces of the tests: discoveries and plain sessions that are closed after each test, a
 * recorder of delivered node sets, log capture and a metrics recorder. Everything talks to a real
 * ZooKeeper.
 */

/**
 * JSON log lines of everything the plugin logged through the returned context; `metrics`
 * default none (a no-op).
 */
export function captureLog(metrics: Metrics = noopMetrics): {
  context: PluginContext;
  lines: string[];
} {
  const lines: string[] = [];
  const { logger } = createLogger({
    level: 'debug',
    format: 'json',
    write: (line) => lines.push(line),
  });
  return { context: { log: logger, debug: debugFor('test:zookeeper'), metrics }, lines };
}

/** Opened discoveries and sessions, closed by {@link closeAll} in afterEach. */
const opened: { close(): Promise<void> }[] = [];

/** Closes everything the test opened. */
export async function closeAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((item) => item.close()));
}

/** A discovery plugin instance (not connected yet) and its captured log. */
export function discoveryFor(
  config: ZooKeeperConfig,
  metrics?: Metrics,
): {
  discovery: ZooKeeperDiscovery;
  lines: string[];
} {
  const { context, lines } = captureLog(metrics);
  const discovery = new ZooKeeperDiscovery(config, context);
  opened.push(discovery);
  return { discovery, lines };
}

/** A connected plain session for the test's own reads and writes (another ZooKeeper client). */
export async function otherClient(
  connectString: string,
  auth?: { scheme: string; credentials: string },
): Promise<ZooKeeperSession> {
  const { context } = captureLog();
  const session = new ZooKeeperSession({
    connectString,
    sessionTimeoutMs: 10_000,
    auth,
    log: context.log,
    debug: context.debug,
  });
  opened.push(session);
  await session.connect();
  return session;
}

/** Creates `path` and its missing ancestors as persistent znodes, the last one with `data`. */
export async function createPath(
  client: ZooKeeperSession,
  path: string,
  data = '',
  ephemeral = false,
): Promise<void> {
  const parts = path.split('/').slice(1);
  for (let index = 1; index < parts.length; index += 1) {
    const parent = `/${parts.slice(0, index).join('/')}`;
    if ((await client.exists(parent)) === undefined)
      await client.create(parent, Buffer.alloc(0), false);
  }
  await client.create(path, Buffer.from(data, 'utf8'), ephemeral);
}

/** A node as a reporter advertises it. */
export function node(host: string, port: number, metadata: Record<string, unknown> = {}): Node {
  return { host, ip: '127.0.0.1', port, metadata };
}

/** A unique base path per test, so tests sharing one server never see each other's znodes. */
let counter = 0;
export function uniqueBase(): string {
  counter += 1;
  return `/lighthouse-test-${process.pid}-${counter}`;
}

/** Records every node set a watch delivers. */
export class Recorder {
  readonly sets: Node[][] = [];
  readonly listener = (nodes: readonly Node[]): void => {
    this.sets.push([...nodes]);
  };

  /** Names (`host:port`) of the last delivered set, or undefined before the first. */
  names(): string[] | undefined {
    return this.sets.at(-1)?.map((item) => `${item.host}:${item.port}`);
  }

  /** Waits until the last delivered set satisfies `predicate`, and returns it. */
  until(predicate: (nodes: Node[]) => boolean, what: string, timeoutMs = 5_000): Promise<Node[]> {
    return waitFor(
      () => {
        const last = this.sets.at(-1);
        return last !== undefined && predicate(last) ? last : undefined;
      },
      { what, timeoutMs },
    );
  }
}

/** The messages of JSON log lines. */
export function messages(lines: readonly string[]): string[] {
  return lines.map((line) => String((JSON.parse(line) as { msg?: unknown }).msg));
}

/**
 * A TCP proxy in front of ZooKeeper that a test can cut: while cut, every connection through it
 * is dropped and new ones are refused, so the server sees no heartbeats and expires the client's
 * session for real — unlike freezing the server, whose own downtime does not count against
 * sessions (it races the client's reconnect when it wakes).
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;

  private constructor(
    private readonly server: Server,
    readonly connectString: string,
  ) {}

  static async start(targetPort: number): Promise<CuttableProxy> {
    const created: { proxy?: CuttableProxy } = {};
    const server = createServer((client) => created.proxy?.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    created.proxy = new CuttableProxy(server, `127.0.0.1:${port}`);
    return created.proxy;
  }

  /** Drops every connection and refuses new ones until {@link restore}. */
  sever(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    if (this.cut) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
      from.pipe(to);
    }
  }
}
