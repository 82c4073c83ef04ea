import { writeFileAtomic } from './files.js';

/**
 * A file kept equal to the newest text it is given, written atomically in the background: a
 * sync's runtime commands are what routes traffic, and neither they nor the next sync wait for
 * the disk. One write runs at a time and the newest text is written last; writes start at most
 * every `minIntervalMs` (the first after a quiet spell at once), and texts superseded meanwhile
 * are skipped, so a deploy's burst of changes costs a few writes, not one per change (a fleet
 * profile showed a third of a writer's CPU in two fsynced writes per change). A failed write is
 * reported and tried again with the next text given, or by {@link BackgroundFile.flush}.
 */
/** A file's text, or a function that makes it. */
export type Content = string | (() => string);

export class BackgroundFile {
  /** The newest text asked for, or what makes it (composed when its write starts). */
  private wanted: Content | undefined;
  /** The text the file holds, as far as this process knows (undefined: unknown). */
  private written: string | undefined;
  /** The writes in progress, until the file holds `wanted` or a write failed. */
  private running: Promise<void> | undefined;
  /** When the last write started (`performance.now()`). */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  /** Ends the wait for the next write's turn, when one is waited for. */
  private wake: (() => void) | undefined;
  /** Flushes waiting: writes do not wait for their turn meanwhile. */
  private urgent = 0;

  constructor(
    private readonly path: string,
    private readonly minIntervalMs: number,
    private readonly failed: (error: unknown) => void,
  ) {}

  /**
   * Asks for the file to hold `content`; returns at once. A function is called when the write
   * starts, so of a burst's texts only those written are ever made.
   */
  update(content: Content): void {
    this.wanted = content;
    // Checked and started in one synchronous step, like `drain`'s last check and its end: no
    // update can fall between a drain that found nothing left and the next one.
    if (this.running === undefined && content !== this.written) this.running = this.drain();
  }

  /**
   * Resolves once the file holds the newest text given (written now, not at its turn), or its
   * write failed (reported).
   */
  async flush(): Promise<void> {
    this.urgent++;
    try {
      this.wake?.();
      if (this.wanted !== undefined) this.update(this.wanted);
      await this.running;
    } finally {
      this.urgent--;
    }
  }

  /** Someone else wrote `text` to the file (a reload installs its candidate); call after flush. */
  wrote(text: string): void {
    this.wanted = text;
    this.written = text;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        await this.turn();
        const wanted = this.wanted;
        const text = typeof wanted === 'function' ? wanted() : wanted;
        if (text === undefined || text === this.written) break;
        // Made once: an update meanwhile replaces it, one that does not is written by now.
        if (this.wanted === wanted) this.wanted = text;
        this.lastWriteAt = performance.now();
        try {
          await writeFileAtomic(this.path, text);
          this.written = text;
        } catch (error) {
          this.written = undefined;
          this.report(error);
          // A newer text is still tried (a flush waits for the newest); the same one is not,
          // until it is given again: a full disk must not turn into a busy loop.
          if (this.wanted === text) break;
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private report(error: unknown): void {
    try {
      this.failed(error);
    } catch {
      // Reporting must not stop the writes: the next text is still written.
    }
  }

  /** Waits until `minIntervalMs` after the last write started, unless a flush is waiting. */
  private async turn(): Promise<void> {
    const wait = this.lastWriteAt + this.minIntervalMs - performance.now();
    if (wait <= 0 || this.urgent > 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }
}
