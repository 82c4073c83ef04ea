/**
 * A task run once, `delayMs` after the first request; requests while it waits join that run. The
 * timer does not keep the process alive.
 */
export class DelayedTask {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly delayMs: number,
    private readonly task: () => unknown,
  ) {}

  request(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.task();
    }, this.delayMs);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
