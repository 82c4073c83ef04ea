import type { Discovery } from '../contracts/discovery.js';
import type { Metrics } from '../contracts/metrics.js';
import type { DiscoveryConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { Backoff } from '../async/backoff.js';
import { noopMetrics } from '../metrics/noop.js';
import { instantiate } from './instantiate.js';

interface PoolEntry {
  config: DiscoveryConfig;
  instance: Discovery;
  connected: boolean;
  retry?: NodeJS.Timeout;
  closed: boolean;
}

/**
 * Moves an engine's watches or registrations onto the active instance of discovery `name`; the
 * pool waits for it before closing a replaced instance. Called when an instance becomes active
 * (`connected` false: calls may fail until it connects) and each time it connects.
 */
export type Handoff = (name: string, connected: boolean) => void | Promise<void>;

/**
 * The discovery instances of one daemon, one per `discovery/<name>.yaml`. Connecting happens in
 * the background with capped back-off, so an unreachable ZooKeeper never blocks start-up: the
 * writer keeps serving what HAProxy has and the reporter keeps checking.
 *
 * A changed file is make-before-break: the new instance connects while the old one stays active;
 * once it is connected the engine hands its watches and registrations over, and only then is the
 * old session closed. Closing first would delete every ephemeral registration of the machine at
 * once, fleet-wide when config management pushes a new ensemble list. If the new instance cannot
 * be created, the old one stays.
 */
export class DiscoveryPool {
  private readonly active = new Map<string, PoolEntry>();
  private readonly replacing = new Map<string, PoolEntry>();

  constructor(
    private readonly logger: Logger,
    private readonly handoff: Handoff,
    /** The daemon's metrics, for every instance's context. */
    private readonly metrics: Metrics = noopMetrics,
  ) {}

  /** The active instance for `name`, connected or not (plugins converge once connected). */
  get(name: string): Discovery | undefined {
    return this.active.get(name)?.instance;
  }

  /** Creates the instance for a discovery config, or a replacement for the active one. */
  async set(config: DiscoveryConfig): Promise<void> {
    const { name } = config;
    const keeping = this.active.has(name) ? '; the previous configuration stays in use' : '';
    const created = await instantiate({
      kind: 'discovery',
      name,
      logger: this.logger,
      metrics: this.metrics,
      create: (context) => config.plugin.create(config.config, context),
      release: (late) => late.close(),
      failureMessage: `discovery could not be created${keeping}`,
    });
    if (!created.ok) return;
    const instance = created.value;
    const entry: PoolEntry = { config, instance, connected: false, closed: false };
    if (!this.active.has(name)) {
      this.active.set(name, entry);
      await this.handoff(name, false);
    } else {
      await this.close(this.replacing.get(name));
      this.replacing.set(name, entry);
    }
    this.connect(entry, new Backoff(250, 5_000));
  }

  /** Closes and forgets every instance for `name` (its file was deleted). */
  async remove(name: string): Promise<void> {
    const entries = [this.active.get(name), this.replacing.get(name)];
    this.active.delete(name);
    this.replacing.delete(name);
    await Promise.all(entries.map((entry) => this.close(entry)));
  }

  async closeAll(): Promise<void> {
    const names = new Set([...this.active.keys(), ...this.replacing.keys()]);
    await Promise.all([...names].map((name) => this.remove(name)));
  }

  private async close(entry: PoolEntry | undefined): Promise<void> {
    if (entry === undefined || entry.closed) return;
    entry.closed = true;
    clearTimeout(entry.retry);
    try {
      await entry.instance.close();
    } catch (error) {
      this.logger.warn('closing discovery failed', {
        discovery: entry.config.name,
        error: describeError(error),
      });
    }
  }

  private connect(entry: PoolEntry, backoff: Backoff): void {
    const name = entry.config.name;
    entry.instance.connect().then(
      () => void this.connected(entry),
      (error: unknown) => {
        if (entry.closed) return;
        const delay = backoff.next();
        this.logger.warn('discovery connect failed, retrying', {
          discovery: name,
          error: describeError(error),
          retry_ms: delay,
        });
        entry.retry = setTimeout(() => this.connect(entry, backoff), delay);
      },
    );
  }

  /** A connected replacement becomes active: hand over, then close the instance it replaces. */
  private async connected(entry: PoolEntry): Promise<void> {
    if (entry.closed) return;
    entry.connected = true;
    const name = entry.config.name;
    const previous = this.active.get(name);
    if (this.replacing.get(name) === entry) {
      this.replacing.delete(name);
      this.active.set(name, entry);
    }
    this.logger.info('discovery connected', { discovery: name });
    try {
      // The old instance must stop defending its registrations first, or both sessions take the
      // same znodes from each other until the old one closes (consumers would see flaps).
      if (previous !== undefined && previous !== entry) await previous.instance.release?.();
      await this.handoff(name, true);
    } catch (error) {
      this.logger.warn('moving to the new discovery session failed', {
        discovery: name,
        error: describeError(error),
      });
    }
    if (previous !== entry) await this.close(previous);
  }
}
