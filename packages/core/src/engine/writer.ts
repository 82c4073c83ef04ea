import type { BalancerConfig, ClusterConfig } from '../config/types.js';
import type { ConfigChange, ConfigWatcher } from '../config/index.js';
import type { Balancer, ClusterState } from '../contracts/balancer.js';
import type { Discovery } from '../contracts/discovery.js';
import type { PluginResolver } from '../contracts/resolver.js';
import { describeError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Logger, LogSink } from '../log.js';
import { compareText, sortNodes } from '../model/node.js';
import type { Node } from '../model/node.js';
import { Backoff } from '../backoff.js';
import { LoggingControl } from './logging-control.js';
import { DiscoveryPool } from './discovery-pool.js';
import { pluginContext } from './plugin-context.js';
import { followConfigDir } from './follow-config.js';
import { SyncScheduler } from './sync-scheduler.js';

/** Options of {@link Writer}. Only `configDir` and `resolver` are required. */
export interface WriterOptions {
  configDir: string;
  resolver: PluginResolver;
  logger?: Logger;
  /** The sink behind `logger`, so `logging.yaml` can change level and format live. */
  logSink?: LogSink;
  /** How long a burst of discovery updates is gathered into one sync. Default 10 ms. */
  coalesceMs?: number;
  /** A full sync this often even without changes, as a safety net. Default 60 s; 0 disables. */
  resyncIntervalMs?: number;
}

interface ClusterEntry {
  config: ClusterConfig;
  nodes: readonly Node[];
  discovered: boolean;
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
  private readonly scheduler: SyncScheduler;
  private readonly logging: LoggingControl;
  private watcher: ConfigWatcher | undefined;
  private resync: NodeJS.Timeout | undefined;

  constructor(private readonly options: WriterOptions) {
    this.logger = options.logger ?? silentLogger;
    this.logging = new LoggingControl(options.logSink);
    this.scheduler = new SyncScheduler(() => this.syncAll(), options.coalesceMs ?? 10, this.logger);
    this.pool = new DiscoveryPool(this.logger, (name) => this.watchAllOf(name));
  }

  /** Loads the config directory, starts watching discovery, and keeps following the directory. */
  async start(): Promise<void> {
    this.watcher = await followConfigDir({
      dir: this.options.configDir,
      kinds: ['logging', 'balancers', 'discovery', 'clusters'],
      resolver: this.options.resolver,
      logger: this.logger,
      apply: (change) => this.apply(change),
    });
    const every = this.options.resyncIntervalMs ?? 60_000;
    if (every > 0) this.resync = setInterval(() => this.scheduler.request(), every);
    this.logger.info('writer started', {
      clusters: this.clusters.size,
      balancers: this.balancers.size,
    });
  }

  /** Stops watching; the load balancers keep running with their last configuration. */
  async stop(): Promise<void> {
    clearInterval(this.resync);
    await this.watcher?.close();
    for (const entry of this.clusters.values()) clearTimeout(entry.retry);
    await this.scheduler.stop();
    await this.pool.closeAll();
    await Promise.all([...this.balancers.values()].map((entry) => entry.instance.close?.()));
    this.logger.info('writer stopped');
  }

  /** Resolves once a sync that starts after this call has succeeded (for tests and embedders). */
  synced(): Promise<void> {
    const settled = this.scheduler.settled();
    this.scheduler.request();
    return settled;
  }

  /** The topology handed to the balancer named `balancer`, sorted by cluster name. */
  topology(balancer: string): ClusterState[] {
    return [...this.clusters.values()]
      .filter((entry) => balancer in entry.config.balancers)
      .map((entry) => ({
        name: entry.config.name,
        config: entry.config.balancers[balancer],
        discovered: entry.discovered,
        nodes: entry.nodes,
        ...(entry.config.metaCluster === undefined
          ? {}
          : { metaCluster: entry.config.metaCluster }),
      }))
      .sort((a, b) => compareText(a.name, b.name));
  }

  /**
   * Applies one config change. `start()` feeds the watcher's changes here one at a time; an
   * embedder that feeds its own changes instead must await each call before the next.
   */
  async apply(change: ConfigChange): Promise<void> {
    const entry = change.type === 'remove' ? change.previous : change.entry;
    switch (entry.kind) {
      case 'logging':
        this.logging.apply(change.type === 'remove' ? undefined : entry.value);
        return;
      case 'balancers':
        await this.closeBalancer(entry.name);
        if (change.type !== 'remove') await this.openBalancer(entry.value);
        else if (this.balancers.size === 0)
          this.logger.warn(
            'no balancer configured any more; the load balancer keeps its last configuration',
          );
        this.scheduler.request();
        return;
      case 'discovery':
        if (change.type === 'remove') await this.pool.remove(entry.name);
        else await this.pool.set(entry.value);
        return;
      case 'clusters':
        if (change.type === 'update' && change.previous.kind === 'clusters')
          await this.updateCluster(change.previous.value, entry.value);
        else if (change.type === 'add') this.addCluster(entry.value);
        else await this.removeCluster(entry.name);
        this.scheduler.request();
        return;
      default:
        return;
    }
  }

  private async openBalancer(config: BalancerConfig): Promise<void> {
    try {
      const instance = await config.plugin.create(
        config.config,
        pluginContext('balancers', config.name, this.logger),
      );
      this.balancers.set(config.name, { config, instance });
    } catch (error) {
      this.logger.error('balancer could not be created', {
        balancer: config.name,
        error: describeError(error),
      });
    }
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
        entry.nodes = sortNodes(nodes);
        entry.discovered = true;
        this.scheduler.request();
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
