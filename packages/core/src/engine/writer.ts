import type { BalancerConfig, ClusterConfig } from '../config/types.js';
import type { ConfigChange, ConfigWatcher } from '../config/index.js';
import type { Balancer, ClusterState } from '../contracts/balancer.js';
import type { Discovery } from '../contracts/discovery.js';
import type { Metrics } from '../contracts/metrics.js';
import type { PluginResolver } from '../contracts/resolver.js';
import { describeError } from '../errors.js';
import { createMetrics } from '../metrics/registry.js';
import { silentLogger } from '../log.js';
import type { Logger, LogSink } from '../log.js';
import { compareText, sortNodes } from '../model/node.js';
import { Backoff } from '../async/backoff.js';
import type { CoalescingWindow } from '../async/coalescing-timer.js';
import { PassLoop } from '../async/pass-loop.js';
import { LoggingControl } from './logging-control.js';
import { DiscoveryPool } from './discovery-pool.js';
import { instantiate } from './instantiate.js';
import { MembershipLog } from './membership-log.js';
import { NodeScreen } from './node-screen.js';
import { topologyFor } from './topology.js';
import type { ClusterView } from './topology.js';
import { applySharedChange, followConfigDir } from './follow-config.js';
import { WriterMetrics } from './writer-metrics.js';
import { WriterSettings } from './writer-settings.js';
import { SyncStats, writerStatus } from './writer-status.js';
import type { WriterStatus } from './writer-status.js';

/** Options of {@link Writer}. Only `configDir` and `resolver` are required. */
export interface WriterOptions {
  configDir: string;
  resolver: PluginResolver;
  logger?: Logger;
  /** The sink behind `logger`, so `logging.yaml` can change level and format live. */
  logSink?: LogSink;
  /**
   * How a burst of discovery updates is gathered into one sync: it starts once updates have been
   * quiet for `minMs`, at most `maxMs` after the first. Default 0 / 20 ms: the updates of one turn
   * of the event loop, at once; those arriving while a sync runs go into the next one together.
   */
  coalesce?: CoalescingWindow;
  /** A full sync this often even without changes, as a safety net. Default 60 s; 0 disables. */
  resyncIntervalMs?: number;
  /** The state directory (control socket) without `writer.yaml`. Default `/var/lib/lighthouse`. */
  stateDir?: string;
  /**
   * Where the writer and its plugins record metrics; `writer.yaml`'s `metrics.listen` serves it
   * when it is a `createMetrics()` registry. Default: a registry of its own (without the process
   * metrics, which the host collects once per process).
   */
  metrics?: Metrics;
}

interface ClusterEntry extends ClusterView {
  /** The discovery instance watching this cluster; callbacks from any other are stale. */
  watchedBy?: Discovery;
  retry?: NodeJS.Timeout;
  backoff: Backoff;
}

interface BalancerEntry {
  config: BalancerConfig;
  instance: Balancer;
}

/**
 * The writer engine: watches the clusters this machine consumes and keeps every configured
 * balancer converged to their members. Discovery updates are coalesced into one `sync`; syncs
 * never overlap; when discovery goes quiet the balancers simply keep what they have.
 */
export class Writer {
  private readonly logger: Logger;
  private readonly clusters = new Map<string, ClusterEntry>();
  private readonly balancers = new Map<string, BalancerEntry>();
  private readonly pool: DiscoveryPool;
  private readonly syncs: PassLoop;
  private readonly logging: LoggingControl;
  private readonly settings: WriterSettings;
  private readonly syncStats = new SyncStats();
  private readonly metrics: WriterMetrics;
  /** Every configured discovery (`discovery/<name>.yaml`), for the status. */
  private readonly discoveryNames = new Set<string>();
  private watcher: ConfigWatcher | undefined;
  private resync: NodeJS.Timeout | undefined;
  private readonly screen: NodeScreen;
  private readonly membership: MembershipLog;

  constructor(private readonly options: WriterOptions) {
    this.logger = options.logger ?? silentLogger;
    this.screen = new NodeScreen(this.logger);
    this.membership = new MembershipLog(this.logger);
    this.logging = new LoggingControl(options.logSink);
    this.metrics = new WriterMetrics(options.metrics ?? createMetrics({ defaultMetrics: false }));
    this.syncs = new PassLoop({
      pass: () => this.metrics.sync(() => this.syncStats.measure(() => this.syncAll())),
      wait: options.coalesce ?? { minMs: 0, maxMs: 20 },
      backoff: { initialMs: 250, maxMs: 10_000 },
      onFailure: (error, retryMs) =>
        this.logger.error('sync failed, retrying', {
          error: describeError(error),
          retry_ms: retryMs,
        }),
    });
    const registry = this.metrics.registry;
    this.pool = new DiscoveryPool(this.logger, (name) => this.watchAllOf(name), registry);
    this.settings = new WriterSettings({
      logger: this.logger,
      metrics: registry,
      ...(options.stateDir === undefined ? {} : { defaultStateDir: options.stateDir }),
      status: () => this.status(),
    });
  }

  /** Loads the config directory, starts watching discovery, and keeps following the directory. */
  async start(): Promise<void> {
    this.watcher = await followConfigDir({
      dir: this.options.configDir,
      daemon: 'writer',
      kinds: ['logging', 'writer', 'balancers', 'discovery', 'clusters'],
      resolver: this.options.resolver,
      logger: this.logger,
      metrics: this.metrics.registry,
      apply: (change) => this.apply(change),
    });
    if (!this.settings.applied) await this.settings.apply(undefined);
    const every = this.options.resyncIntervalMs ?? 60_000;
    if (every > 0) this.resync = setInterval(() => this.syncs.request(), every);
    this.logger.info('writer started', {
      clusters: this.clusters.size,
      balancers: this.balancers.size,
    });
  }

  /** Stops watching; the load balancers keep running with their last configuration. */
  async stop(): Promise<void> {
    clearInterval(this.resync);
    await this.watcher?.close();
    await this.settings.close();
    for (const entry of this.clusters.values()) clearTimeout(entry.retry);
    await this.syncs.stop();
    await this.pool.closeAll();
    await Promise.all([...this.balancers.values()].map((entry) => entry.instance.close?.()));
    this.logger.info('writer stopped');
  }

  /** Resolves once a sync that starts after this call has succeeded (for tests and embedders). */
  synced(): Promise<void> {
    const settled = this.syncs.settled();
    this.syncs.request();
    return settled;
  }

  /** What `lighthouse status` shows: clusters and members, balancers, discovery, syncs. */
  status(): Promise<WriterStatus> {
    return writerStatus({
      stateDir: this.settings.stateDir,
      clusters: this.clusters.values(),
      balancers: [...this.balancers].map(([name, entry]) => [name, entry.instance] as const),
      discoveries: [...this.discoveryNames].map((name) => [name, this.pool.get(name)] as const),
      sync: this.syncStats,
    });
  }

  /** The topology handed to the balancer named `balancer`, sorted by cluster name. */
  topology(balancer: string): ClusterState[] {
    return topologyFor(balancer, this.clusters.values());
  }

  /**
   * Applies one config change. `start()` feeds the watcher's changes here one at a time; an
   * embedder that feeds its own changes instead must await each call before the next.
   */
  async apply(change: ConfigChange): Promise<void> {
    const entry = change.type === 'remove' ? change.previous : change.entry;
    if (entry.kind === 'discovery' && change.type === 'remove')
      this.discoveryNames.delete(entry.name);
    else if (entry.kind === 'discovery') this.discoveryNames.add(entry.name);
    if (await applySharedChange(change, this.logging, this.pool)) return;
    switch (entry.kind) {
      case 'writer':
        return this.settings.apply(change.type === 'remove' ? undefined : entry.value);
      case 'balancers':
        await this.closeBalancer(entry.name);
        if (change.type !== 'remove') await this.openBalancer(entry.value);
        else if (this.balancers.size === 0)
          this.logger.warn(
            'no balancer configured any more; the load balancer keeps its last configuration',
          );
        this.syncs.request();
        return;
      case 'clusters':
        if (change.type === 'update' && change.previous.kind === 'clusters')
          await this.updateCluster(change.previous.value, entry.value);
        else if (change.type === 'add') this.addCluster(entry.value);
        else await this.removeCluster(entry.name);
        this.syncs.request();
        return;
      default:
        return;
    }
  }

  private async openBalancer(config: BalancerConfig): Promise<void> {
    const created = await instantiate({
      kind: 'balancers',
      name: config.name,
      logger: this.logger,
      metrics: this.metrics.registry,
      create: (context) => config.plugin.create(config.config, context),
      release: (late) => late.close?.(),
      failureMessage: 'balancer could not be created',
    });
    if (created.ok) this.balancers.set(config.name, { config, instance: created.value });
  }

  private async closeBalancer(name: string): Promise<void> {
    const entry = this.balancers.get(name);
    this.balancers.delete(name);
    await entry?.instance.close?.();
  }

  private addCluster(config: ClusterConfig): void {
    const entry: ClusterEntry = {
      config,
      nodes: [],
      discovered: false,
      backoff: new Backoff(250, 5_000),
    };
    this.clusters.set(config.name, entry);
    this.metrics.clusterAdded(config.name);
    this.watch(entry);
  }

  private async updateCluster(previous: ClusterConfig, config: ClusterConfig): Promise<void> {
    const entry = this.clusters.get(previous.name);
    if (
      entry === undefined ||
      previous.name !== config.name ||
      previous.discovery !== config.discovery
    ) {
      await this.removeCluster(previous.name);
      this.addCluster(config);
      return;
    }
    entry.config = config;
  }

  private async removeCluster(name: string): Promise<void> {
    const entry = this.clusters.get(name);
    if (entry === undefined) return;
    this.clusters.delete(name);
    this.metrics.clusterRemoved(name);
    clearTimeout(entry.retry);
    const discovery = entry.watchedBy;
    delete entry.watchedBy;
    try {
      await discovery?.unwatch(name);
    } catch (error) {
      this.logger.warn('unwatch failed', { cluster: name, error: describeError(error) });
    }
  }

  /** A discovery instance appeared or connected: watch every cluster that uses it. */
  private watchAllOf(discoveryName: string): void {
    for (const entry of this.clusters.values())
      if (entry.config.discovery === discoveryName) this.watch(entry);
  }

  /** Watches a cluster on its discovery's current instance, once per instance, retrying failures. */
  private watch(entry: ClusterEntry): void {
    const discovery = this.pool.get(entry.config.discovery);
    if (discovery === undefined || entry.watchedBy === discovery) return;
    entry.watchedBy = discovery;
    clearTimeout(entry.retry);
    const name = entry.config.name;
    discovery
      .watch(name, (nodes) => {
        if (this.clusters.get(name) !== entry || entry.watchedBy !== discovery) return;
        entry.nodes = sortNodes(this.screen.usable(entry, name, nodes));
        entry.discovered = true;
        this.metrics.clusterUpdated(name, entry.nodes.length);
        this.syncs.request();
      })
      .then(
        () => entry.backoff.reset(),
        (error: unknown) => {
          if (entry.watchedBy !== discovery) return;
          delete entry.watchedBy;
          const delay = entry.backoff.next();
          this.logger.warn('watch failed, retrying', {
            cluster: name,
            error: describeError(error),
            retry_ms: delay,
          });
          entry.retry = setTimeout(() => this.watch(entry), delay);
        },
      );
  }

  private async syncAll(): Promise<void> {
    this.membership.observe(this.clusters.values());
    const failures: string[] = [];
    for (const [name, entry] of [...this.balancers].sort(([a], [b]) => compareText(a, b))) {
      try {
        await entry.instance.sync(this.topology(name));
      } catch (error) {
        failures.push(`${name}: ${describeError(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`balancer sync failed (${failures.join('; ')})`);
  }
}
