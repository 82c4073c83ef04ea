/** How long a {@link CoalescingTimer} gathers activity (consul-template's `wait {min, max}`). */
export interface CoalescingWindow {
  /**
   * Fire once activity has been quiet for this long… 0: on the next turn of the event loop,
   * gathering what arrives in the same turn, without waiting for a timer (at least 1 ms in Node,
   * often 2 with the loop's clock granularity: more than the rest of a change's way to HAProxy).
   */
  minMs: number;
  /** …but never later than this after the first activity of the window. */
  maxMs: number;
}

/**
 * Turns a burst of activity into one call: `fire` runs `minMs` after the last `touch()`, and at
 * most `maxMs` after the first touch of the window, so a steady stream still gets through. The one
 * debouncer of the code base (config files, ZooKeeper deliveries, the writer's syncs).
 *
 * `fire` receives whether the window ran to `maxMs`; returning `false` keeps the window open
 * ("not yet": the caller touches again when it is ready), so its age keeps counting toward `maxMs`.
 */
export class CoalescingTimer {
  /** Cancels the pending call, if one is pending. */
  private timer: (() => void) | undefined;
  /** When the open window's first touch happened (`performance.now()`), if a window is open. */
  private openedAt: number | undefined;
  private closed = false;

  constructor(
    private readonly window: CoalescingWindow,
    private readonly fire: (overdue: boolean) => boolean | void,
  ) {}

  /** Whether a call of `fire` is pending. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Records activity: (re)arms the timer within the window. */
  touch(): void {
    if (this.closed) return;
    const now = performance.now();
    this.openedAt ??= now;
    this.timer?.();
    const left = this.openedAt + this.window.maxMs - now;
    this.timer = later(Math.max(0, Math.min(this.window.minMs, left)), () => this.expire());
  }

  /** Drops a pending call and closes the window; a later touch starts a new one. */
  cancel(): void {
    this.timer?.();
    this.timer = undefined;
    this.openedAt = undefined;
  }

  /** Cancels, and ignores every later touch. */
  close(): void {
    this.closed = true;
    this.cancel();
  }

  private expire(): void {
    this.timer = undefined;
    const openedAt = this.openedAt ?? performance.now();
    this.openedAt = undefined;
    if (this.fire(performance.now() - openedAt >= this.window.maxMs) === false)
      this.openedAt = openedAt;
  }
}

/** Runs `run` after `delayMs`, or on the next turn of the event loop for 0; returns its cancel. */
function later(delayMs: number, run: () => void): () => void {
  if (delayMs > 0) {
    const timeout = setTimeout(run, delayMs);
    return () => clearTimeout(timeout);
  }
  const immediate = setImmediate(run);
  return () => clearImmediate(immediate);
}
