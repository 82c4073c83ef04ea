import type { Discovery } from '../contracts/discovery.js';
import type { DiscoveryConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { Backoff } from '../backoff.js';
import { pluginContext } from './plugin-context.js';

interface PoolEntry {
  config: DiscoveryConfig;
  instance: Discovery;
  connected: boolean;
  retry?: NodeJS.Timeout;
  closed: boolean;
}

/**
 * The discovery instances of one daemon, one per `discovery/<name>.yaml`. Connecting happens in the
 * background with capped back-off, so an unreachable ZooKeeper never blocks start-up: the writer
 * keeps serving what HAProxy has and the reporter keeps checking. A changed file replaces the
 * instance; `onReady(name)` tells the engine to watch or register again on the new one.
 */
export class DiscoveryPool {
  private readonly entries = new Map<string, PoolEntry>();

  constructor(
    private readonly logger: Logger,
    private readonly onReady: (name: string) => void,
  ) {}

  /** The instance for `name`, connected or not (plugins converge once their session exists). */
  get(name: string): Discovery | undefined {
    return this.entries.get(name)?.instance;
  }

  isConnected(name: string): boolean {
    return this.entries.get(name)?.connected === true;
  }

  /** Creates (or replaces) the instance for a discovery config and starts connecting it. */
  async set(config: DiscoveryConfig): Promise<void> {
    await this.remove(config.name);
    const instance = await config.plugin.create(
      config.config,
      pluginContext('discovery', config.name, this.logger),
    );
    const entry: PoolEntry = { config, instance, connected: false, closed: false };
    this.entries.set(config.name, entry);
    this.onReady(config.name);
    this.connect(entry, new Backoff(250, 5_000));
  }

  /** Closes and forgets the instance for `name`. */
  async remove(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    entry.closed = true;
    clearTimeout(entry.retry);
    try {
      await entry.instance.close();
    } catch (error) {
      this.logger.warn('closing discovery failed', {
        discovery: name,
        error: describeError(error),
      });
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((name) => this.remove(name)));
  }

  private connect(entry: PoolEntry, backoff: Backoff): void {
    const name = entry.config.name;
    entry.instance.connect().then(
      () => {
        if (entry.closed) return;
        entry.connected = true;
        this.logger.info('discovery connected', { discovery: name });
        this.onReady(name);
      },
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
}
