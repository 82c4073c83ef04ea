import type { Balancer, BalancerReport } from '../contracts/balancer.js';
import type { Discovery, DiscoveryReport } from '../contracts/discovery.js';
import { describeError } from '../errors.js';
import { compareText, nodeName } from '../model/node.js';
import type { ClusterView } from './topology.js';

/** How long a balancer's `describe()` may take before the status reports it as failed. */
export const DESCRIBE_TIMEOUT_MS = 2_000;

/** A member of a cluster as discovery reports it (after the writer's own checks). */
export interface WriterMember {
  /** `host:port`: the znode name, and the server name in HAProxy. */
  name: string;
  host: string;
  ip: string;
  port: number;
}

/** A cluster the writer consumes. */
export interface WriterClusterStatus {
  name: string;
  /** The discovery method watching it (`discovery/<name>.yaml`). */
  discovery: string;
  /** The balancers it has a section for, sorted. */
  balancers: string[];
  /** Whether discovery has reported it since the writer started. */
  discovered: boolean;
  members: WriterMember[];
}

/**
 * What a balancer's `describe()` said; `{ error }` when it threw, took longer than
 * {@link DESCRIBE_TIMEOUT_MS} or answered something that is not JSON; null when it has none.
 */
export type WriterBalancerStatus = BalancerReport | { error: string } | null;

/**
 * A discovery instance's `describe()`; `{ state: 'unknown' }` when it has none (or no instance
 * could be created), `{ state: 'unknown', error }` when it threw.
 */
export interface WriterDiscoveryStatus extends DiscoveryReport {
  error?: string;
}

/** How the writer's syncs went. Times are ISO 8601. */
export interface WriterSyncStatus {
  /** Syncs run since the writer started, failed ones included. */
  count: number;
  failures: number;
  /** When the last sync ended, and how long it took. */
  lastAt?: string;
  lastDurationMs?: number;
  /** Why the last sync failed; absent when it succeeded. */
  error?: string;
}

/** What the writer tells `lighthouse status` (its control socket) and embedders. */
export interface WriterStatus {
  daemon: 'writer';
  pid: number;
  stateDir: string;
  /** Sorted by name. */
  clusters: WriterClusterStatus[];
  /** By balancer name (`balancers/<name>.yaml`). */
  balancers: Record<string, WriterBalancerStatus>;
  /** By discovery name (`discovery/<name>.yaml`). */
  discovery: Record<string, WriterDiscoveryStatus>;
  sync: WriterSyncStatus;
}

/** Counts the writer's syncs and remembers how the last one went. */
export class SyncStats {
  private count = 0;
  private failures = 0;
  private lastAt: number | undefined;
  private lastDurationMs: number | undefined;
  private error: string | undefined;

  /** Runs one sync, recording when it ended, how long it took and whether it failed. */
  async measure(sync: () => Promise<void>): Promise<void> {
    const started = performance.now();
    try {
      await sync();
      this.error = undefined;
    } catch (error) {
      this.failures += 1;
      this.error = describeError(error);
      throw error;
    } finally {
      this.count += 1;
      this.lastAt = Date.now();
      this.lastDurationMs = Math.round((performance.now() - started) * 10) / 10;
    }
  }

  status(): WriterSyncStatus {
    return {
      count: this.count,
      failures: this.failures,
      ...(this.lastAt === undefined ? {} : { lastAt: new Date(this.lastAt).toISOString() }),
      ...(this.lastDurationMs === undefined ? {} : { lastDurationMs: this.lastDurationMs }),
      ...(this.error === undefined ? {} : { error: this.error }),
    };
  }
}

/** What the status is assembled from: the writer's live state. */
export interface WriterStatusInput {
  stateDir: string;
  clusters: Iterable<ClusterView>;
  balancers: Iterable<readonly [name: string, instance: Balancer]>;
  /** Every configured discovery, with its active instance (undefined when none was created). */
  discoveries: Iterable<readonly [name: string, instance: Discovery | undefined]>;
  sync: SyncStats;
  /** Default {@link DESCRIBE_TIMEOUT_MS}. */
  describeTimeoutMs?: number;
}

/**
 * The writer's status. The balancers are asked in parallel; a `describe()` that fails, hangs or
 * answers something unserialisable becomes an error string in its own entry, so the rest of the
 * status is always there.
 */
export async function writerStatus(input: WriterStatusInput): Promise<WriterStatus> {
  const timeoutMs = input.describeTimeoutMs ?? DESCRIBE_TIMEOUT_MS;
  // Membership and discovery as they are now; then the balancers, which may take a while.
  const clusters = [...input.clusters]
    .map(clusterStatus)
    .sort((a, b) => compareText(a.name, b.name));
  const discovery = sortedRecord(
    [...input.discoveries].map(([name, instance]) => [name, describeDiscovery(instance)] as const),
  );
  const balancers = await Promise.all(
    [...input.balancers].map(
      async ([name, instance]) => [name, await describeBalancer(instance, timeoutMs)] as const,
    ),
  );
  return {
    daemon: 'writer',
    pid: process.pid,
    stateDir: input.stateDir,
    clusters,
    balancers: sortedRecord(balancers),
    discovery,
    sync: input.sync.status(),
  };
}

function clusterStatus({ config, nodes, discovered }: ClusterView): WriterClusterStatus {
  return {
    name: config.name,
    discovery: config.discovery,
    balancers: Object.keys(config.balancers).sort(compareText),
    discovered,
    members: nodes.map(({ host, ip, port }) => ({
      name: nodeName({ host, port }),
      host,
      ip,
      port,
    })),
  };
}

async function describeBalancer(
  balancer: Balancer,
  timeoutMs: number,
): Promise<WriterBalancerStatus> {
  if (balancer.describe === undefined) return null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`describe() did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return json(await Promise.race([balancer.describe(), timeout]));
  } catch (error) {
    return { error: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

function describeDiscovery(discovery: Discovery | undefined): WriterDiscoveryStatus {
  if (discovery?.describe === undefined) return { state: 'unknown' };
  try {
    return json(discovery.describe());
  } catch (error) {
    return { state: 'unknown', error: describeError(error) };
  }
}

/** A plugin's answer as plain JSON (a copy); throws when it cannot be serialised. */
function json<T>(value: T): T {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new Error('describe() answered nothing serialisable');
  return JSON.parse(text) as T;
}

function sortedRecord<T>(entries: readonly (readonly [string, T])[]): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => compareText(a, b)));
}
