import { Backoff } from './backoff.js';
import { CoalescingTimer } from './coalescing-timer.js';
import type { CoalescingWindow } from './coalescing-timer.js';

/** Settings of a {@link PassLoop}. */
export interface PassLoopOptions {
  /** One pass: converge everything to the current desired state. Throw to be retried. */
  pass: () => Promise<void>;
  /**
   * How requests are gathered before a pass starts. Default: none — the pass starts as soon as
   * the current task ends, so requests made in one go still make one pass.
   */
  wait?: CoalescingWindow;
  /** Retry delays after a failed pass (capped exponential, jittered). Default 250 ms … 5 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** Told about each failed pass and when it is retried (for logging). */
  onFailure?: (error: unknown, retryMs: number) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  /** Only a successful pass settles it (`settled()`); otherwise the next pass does (`nextPass()`). */
  successOnly: boolean;
}

/**
 * "Run a pass; run one more if asked meanwhile; back off and retry when a pass fails": the one
 * reconcile loop behind the writer's syncs, the reporter's registrations and the ZooKeeper
 * plugin's convergence. Passes never overlap (1.0 ran concurrent syncs and raced its restart flag,
 * bug B19); any number of requests during a pass cause exactly one more; a request during a
 * back-off waits for it (a failing backend is not hammered) unless `retryNow()` says the cause
 * may be gone (a reconnect).
 */
export class PassLoop {
  private readonly timer: CoalescingTimer | undefined;
  /** A pass is due at the end of the current task (no wait window). */
  private due = false;
  private readonly backoff: Backoff;
  private running: Promise<void> | undefined;
  private again = false;
  /** `retryNow()` during a pass: the next pass follows it at once, even if it fails. */
  private urgent = false;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private waiters: Waiter[] = [];

  constructor(private readonly options: PassLoopOptions) {
    if (options.wait !== undefined)
      this.timer = new CoalescingTimer(options.wait, () => this.start());
    this.backoff = new Backoff(options.backoff?.initialMs ?? 250, options.backoff?.maxMs ?? 5_000);
  }

  /** Whether a pass is running, waiting to start or waiting to be retried. */
  get busy(): boolean {
    return (
      this.running !== undefined ||
      this.due ||
      this.timer?.pending === true ||
      this.retry !== undefined
    );
  }

  /** Asks for a pass: within the wait window, after the running one, or after the back-off. */
  request(): void {
    if (this.stopped) return;
    if (this.running !== undefined) this.again = true;
    else if (this.retry !== undefined) return;
    else if (this.timer !== undefined) this.timer.touch();
    else if (!this.due) {
      this.due = true;
      queueMicrotask(() => {
        this.due = false;
        this.start();
      });
    }
  }

  /** Asks for a pass and cuts a pending back-off short: the failure's cause may be gone. */
  retryNow(): void {
    if (this.running !== undefined) this.urgent = true;
    if (this.retry !== undefined) {
      clearTimeout(this.retry);
      this.retry = undefined;
    }
    this.request();
  }

  /** Resolves after the next pass that starts from now on has succeeded. */
  settled(): Promise<void> {
    return this.wait(true);
  }

  /** Settles like the next pass that starts from now on: resolves or rejects with it. */
  nextPass(): Promise<void> {
    return this.wait(false);
  }

  /**
   * No passes any more; waits for a running one. Whoever still waits for a pass (`settled()`,
   * `nextPass()`) is rejected with "stopped" — a pass that will never run must not leave a caller
   * hanging (a `publish` awaiting it would hang the reporter's own loop).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.close();
    clearTimeout(this.retry);
    this.retry = undefined;
    this.rejectWaiters();
    await this.running;
  }

  private rejectWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new Error('stopped: no more passes will run'));
  }

  private wait(successOnly: boolean): Promise<void> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject, successOnly }));
  }

  private start(): void {
    if (this.stopped || this.running !== undefined) return;
    this.again = false;
    this.urgent = false;
    const waiters = this.waiters;
    this.waiters = [];
    let pass: Promise<void>;
    try {
      pass = this.options.pass();
    } catch (error) {
      pass = Promise.reject(error);
    }
    this.running = pass.then(
      () => this.finished(waiters, undefined),
      (error: unknown) => this.finished(waiters, { error }),
    );
  }

  private finished(waiters: Waiter[], failure: { error: unknown } | undefined): void {
    this.running = undefined;
    if (failure === undefined) {
      this.backoff.reset();
      for (const waiter of waiters) waiter.resolve();
    } else {
      for (const waiter of waiters) if (!waiter.successOnly) waiter.reject(failure.error);
      this.waiters.unshift(...waiters.filter((waiter) => waiter.successOnly));
    }
    if (this.stopped) return this.rejectWaiters();
    if (failure !== undefined) {
      const delay = this.urgent ? 0 : this.backoff.next();
      this.options.onFailure?.(failure.error, delay);
      if (delay > 0) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.start();
        }, delay);
        return;
      }
    }
    if (this.again || this.urgent) this.request();
  }
}
