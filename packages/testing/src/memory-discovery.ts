import { isDeepStrictEqual } from 'node:util';
import Type from 'typebox';
import { defineDiscovery, nodeName } from '@lighthouse/core';
import type {
  Discovery,
  DiscoveryPlugin,
  Node,
  NodesListener,
  Registration,
} from '@lighthouse/core';

type Operation = 'connect' | 'watch' | 'publish';

/**
 * An in-memory stand-in for ZooKeeper that several discovery instances share, so a reporter and
 * a writer in one test see each other. Tests can also write membership directly, take the
 * "ensemble" offline (operations reject, watchers hear nothing, as during a real outage) and
 * make the next operation of a kind fail.
 */
export class MemoryDiscoveryBackend {
  private readonly clusters = new Map<string, Map<string, Node>>();
  /** Which instance registered each node (`cluster/name`), like a znode's ephemeral owner. */
  private readonly owners = new Map<string, object>();
  private readonly listeners = new Map<string, Set<NodesListener>>();
  private readonly failures = new Map<Operation, Error[]>();
  private online = true;
  private readonly reconnects = new Set<() => void>();
  /**
   * Every operation performed, in order: `connect`, `watch web`, and for each publish what it
   * changed, e.g. `register web localhost:8080`, `deregister web localhost:8080`.
   */
  readonly log: string[] = [];

  /** The current members of a cluster, sorted by name. */
  members(cluster: string): Node[] {
    return [...(this.clusters.get(cluster)?.values() ?? [])].sort((a, b) =>
      nodeName(a) < nodeName(b) ? -1 : 1,
    );
  }

  /** Adds or replaces a member directly (as another machine's reporter would). */
  put(cluster: string, node: Node, owner?: object): void {
    const members = this.clusters.get(cluster) ?? new Map<string, Node>();
    members.set(nodeName(node), node);
    this.clusters.set(cluster, members);
    if (owner === undefined) this.owners.delete(`${cluster}/${nodeName(node)}`);
    else this.owners.set(`${cluster}/${nodeName(node)}`, owner);
    this.notify(cluster);
  }

  /** Removes a member directly; with `owner`, only if that instance registered it last. */
  remove(cluster: string, name: string, owner?: object): void {
    const key = `${cluster}/${name}`;
    if (owner !== undefined && this.owners.get(key) !== owner) return;
    this.owners.delete(key);
    if (this.clusters.get(cluster)?.delete(name) === true) this.notify(cluster);
  }

  /**
   * Takes the backend offline or back online. Coming back is a reconnect: every instance converges
   * to the set it was last asked to publish, then every watcher hears its cluster again.
   */
  setOnline(online: boolean): void {
    this.online = online;
    if (!online) return;
    for (const reconnect of this.reconnects) reconnect();
    for (const cluster of this.listeners.keys()) this.notify(cluster);
  }

  /** @internal Called back when the backend comes online again; returns the unsubscribe. */
  onReconnect(listener: () => void): () => void {
    this.reconnects.add(listener);
    return () => this.reconnects.delete(listener);
  }

  /** Makes the next `operation` reject with `error`. */
  failNext(operation: Operation, error = new Error(`injected ${operation} failure`)): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), error]);
  }

  /** @internal Used by the instances. */
  check(operation: Operation): void {
    const queued = this.failures.get(operation);
    const injected = queued?.shift();
    if (injected !== undefined) throw injected;
    if (!this.online) throw new Error(`discovery backend is offline (${operation})`);
  }

  /** @internal */
  subscribe(cluster: string, listener: NodesListener): () => void {
    const set = this.listeners.get(cluster) ?? new Set<NodesListener>();
    set.add(listener);
    this.listeners.set(cluster, set);
    listener(this.members(cluster));
    return () => set.delete(listener);
  }

  private notify(cluster: string): void {
    if (!this.online) return;
    const members = this.members(cluster);
    for (const listener of this.listeners.get(cluster) ?? []) listener(members);
  }
}

class MemoryDiscovery implements Discovery {
  private readonly unsubscribes = new Map<string, () => void>();
  private registered = new Map<string, Registration>();
  /** The latest published set (what a reconnect converges to); undefined once released. */
  private wanted: Map<string, Registration> | undefined = new Map();
  private readonly stopReconnecting: () => void;

  constructor(private readonly backend: MemoryDiscoveryBackend) {
    this.stopReconnecting = backend.onReconnect(() => this.converge());
  }

  async connect(): Promise<void> {
    this.backend.check('connect');
    this.backend.log.push('connect');
  }

  /** Ends the "session": its registrations vanish, like ephemeral znodes. */
  async close(): Promise<void> {
    this.release();
    for (const unsubscribe of this.unsubscribes.values()) unsubscribe();
    this.unsubscribes.clear();
    // Like ephemeral znodes: only what this instance still owns disappears with its session.
    for (const { service, node } of this.registered.values()) {
      this.backend.remove(service, nodeName(node), this);
    }
    this.registered.clear();
    this.backend.log.push('close');
  }

  async watch(cluster: string, onNodes: NodesListener): Promise<void> {
    this.backend.check('watch');
    this.unsubscribes.get(cluster)?.();
    this.unsubscribes.set(cluster, this.backend.subscribe(cluster, onNodes));
    this.backend.log.push(`watch ${cluster}`);
  }

  async unwatch(cluster: string): Promise<void> {
    this.unsubscribes.get(cluster)?.();
    this.unsubscribes.delete(cluster);
    this.backend.log.push(`unwatch ${cluster}`);
  }

  /**
   * Converges this instance's registrations to exactly `registrations`, like a real plugin: a
   * rejected publish (offline, or an injected failure) keeps the set, and the next reconnect
   * (`setOnline(true)`) converges to it.
   */
  async publish(registrations: readonly Registration[]): Promise<void> {
    if (this.wanted === undefined) throw new Error('released: this instance registers nothing');
    this.wanted = new Map(registrations.map((entry) => [registrationKey(entry), entry]));
    this.backend.check('publish');
    this.converge();
  }

  /** Stops maintaining the registrations; they stay until `close()`. */
  release(): void {
    this.wanted = undefined;
    this.stopReconnecting();
  }

  private converge(): void {
    const next = this.wanted;
    if (next === undefined) return;
    for (const [key, { service, node }] of this.registered) {
      if (next.has(key)) continue;
      this.backend.remove(service, nodeName(node), this);
      this.backend.log.push(`deregister ${service} ${nodeName(node)}`);
    }
    for (const [key, entry] of next) {
      if (isDeepStrictEqual(this.registered.get(key), entry)) continue;
      this.backend.put(entry.service, entry.node, this);
      this.backend.log.push(`register ${entry.service} ${nodeName(entry.node)}`);
    }
    this.registered = new Map(next);
  }
}

function registrationKey({ service, node }: Registration): string {
  return `${service}/${nodeName(node)}`;
}

/** Schema of `discovery/<name>.yaml` for the in-memory plugin. */
export const MemoryDiscoveryConfig = Type.Object(
  {
    label: Type.Optional(
      Type.String({
        description:
          'Any text; changing it replaces the instance, like editing a real discovery file.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A discovery plugin (default name `memory`) whose instances all share `backend`. */
export function memoryDiscoveryPlugin(
  backend: MemoryDiscoveryBackend,
  name = 'memory',
): DiscoveryPlugin<typeof MemoryDiscoveryConfig> {
  return defineDiscovery({
    name,
    description: 'In-memory discovery for tests (shared MemoryDiscoveryBackend).',
    configSchema: MemoryDiscoveryConfig,
    create: () => new MemoryDiscovery(backend),
  });
}
