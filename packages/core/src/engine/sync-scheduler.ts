import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { Backoff } from '../backoff.js';

/**
 * Turns a burst of "something changed" into one call of `sync`, never two at once (1.0 ran
 * concurrent syncs and raced its restart flag, bug B19). A request during a running sync causes
 * exactly one more; a failed sync is retried with back-off until one succeeds.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending = false;
  private stopped = false;
  private readonly backoff = new Backoff(250, 10_000);
  private waiters: (() => void)[] = [];

  constructor(
    private readonly sync: () => Promise<void>,
    private readonly coalesceMs: number,
    private readonly logger: Logger,
  ) {}

  /** Asks for a sync within `coalesceMs`, merged with every other request until it starts. */
  request(delayMs = this.coalesceMs): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.pending = true;
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.fire(), delayMs);
  }

  /** Resolves after the next sync that starts from now on has finished successfully. */
  settled(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waits for a running sync and drops pending ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private fire(): void {
    this.timer = undefined;
    this.pending = false;
    const waiters = this.waiters;
    this.waiters = [];
    this.running = this.sync()
      .then(
        () => {
          this.backoff.reset();
          for (const resolve of waiters) resolve();
          return undefined;
        },
        (error: unknown) => {
          this.waiters.unshift(...waiters);
          const retryMs = this.backoff.next();
          this.logger.error('sync failed, retrying', {
            error: describeError(error),
            retry_ms: retryMs,
          });
          return retryMs;
        },
      )
      .then((retryMs) => {
        this.running = undefined;
        if (this.stopped) return;
        if (retryMs !== undefined) this.request(retryMs);
        else if (this.pending) this.request();
      });
  }
}
