import { describeError, PassLoop } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';
import { readMetricFile } from './metric.js';
import type { MetricReading } from './metric.js';
import type { WeightSourceConfig } from './schema.js';
import { mapWeight } from './weight.js';

/** Settings of a {@link WeightSource}. */
export interface WeightSourceOptions {
  config: WeightSourceConfig;
  /** Poll period in milliseconds (the agent's `interval`). */
  intervalMs: number;
  log: Logger;
  /** The clock (epoch ms); tests move it. */
  now?: () => number;
  /** Reads the file; tests may stand in. Default {@link readMetricFile}. */
  read?: (path: string) => Promise<MetricReading>;
}

/** The state of the weight, as last logged: `ok`, or a problem and its detail. */
interface Condition {
  key: string;
  detail?: string;
}

/**
 * The weight from a metric file, polled every interval, one read at a time (a {@link PassLoop}
 * runs the reads; a read that hangs on a dead network file system delays the next one instead of
 * piling up). Staleness is judged against the clock whenever the weight is asked, not only after
 * a read, so a stuck read cannot keep an old value alive (herald's staleness hole).
 *
 * Problems never throw: the weight is the fallback, and a warning is logged when the problem
 * *changes* (missing → stale → …), not on every poll; recovery is logged once at info.
 */
export class WeightSource {
  private reading: MetricReading | undefined;
  private condition: Condition = { key: 'ok' };
  private readonly loop: PassLoop;
  private timer: NodeJS.Timeout | undefined;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly read: (path: string) => Promise<MetricReading>;

  constructor(private readonly options: WeightSourceOptions) {
    this.staleAfterMs = (options.config.stale_after ?? (3 * options.intervalMs) / 1000) * 1000;
    this.now = options.now ?? Date.now;
    this.read = options.read ?? readMetricFile;
    this.loop = new PassLoop({
      pass: () => this.poll(),
      onFailure: (error) =>
        options.log.warn('reading the weight file failed', { error: describeError(error) }),
    });
  }

  /** Reads the file once now and then every interval; resolves after the first read. */
  start(): Promise<void> {
    const first = this.loop.nextPass().catch(() => undefined);
    this.loop.request();
    this.timer = setInterval(() => this.loop.request(), this.options.intervalMs);
    this.timer.unref();
    return first;
  }

  /** Reads the file once (the poll's work); exposed for tests. */
  async poll(): Promise<void> {
    this.reading = await this.read(this.options.config.file);
    this.report();
  }

  /** The weight now: the mapped metric if the last read was good and is not stale, else the fallback. */
  current(): number {
    const reading = this.reading;
    if (reading === undefined || !reading.ok || this.isStale(reading.mtimeMs)) {
      return this.options.config.fallback;
    }
    return mapWeight(reading.value, this.options.config.map);
  }

  /** Stops polling; waits for a read in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.loop.stop();
  }

  private isStale(mtimeMs: number): boolean {
    return this.now() - mtimeMs > this.staleAfterMs;
  }

  /** Logs the weight's condition when it changed since the last line. */
  private report(): void {
    const next = this.conditionOf(this.reading);
    if (next.key === this.condition.key) return;
    const previous = this.condition;
    this.condition = next;
    const fields = { file: this.options.config.file };
    if (next.detail !== undefined) {
      this.options.log.warn(
        `weight file ${next.detail}: answering the fallback weight ${this.options.config.fallback}%`,
        { ...fields, problem: next.key },
      );
    } else if (previous.key !== 'ok') {
      this.options.log.info(`weight file is usable again: weight ${this.current()}%`, fields);
    }
  }

  private conditionOf(reading: MetricReading | undefined): Condition {
    if (reading === undefined) return { key: 'ok' };
    if (!reading.ok) return { key: reading.problem, detail: reading.detail };
    if (this.isStale(reading.mtimeMs)) {
      const age = Math.round((this.now() - reading.mtimeMs) / 100) / 10;
      return {
        key: 'stale',
        detail: `is stale (last modified ${age} s ago, stale_after is ${this.staleAfterMs / 1000} s)`,
      };
    }
    return { key: 'ok' };
  }
}
