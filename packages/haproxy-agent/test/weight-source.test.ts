import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir, waitFor } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import type { MetricReading } from '../src/metric.js';
import type { WeightSourceConfig } from '../src/schema.js';
import { WeightSource } from '../src/weight-source.js';
import { recordingLogger } from './helpers.js';

let dir: TempDir;
let file: string;
const sources: WeightSource[] = [];

beforeAll(async () => {
  dir = await createTempDir({}, 'lh-agent-weight-');
  file = join(dir.dir, 'load');
});
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
});
afterAll(async () => {
  await dir.cleanup();
});

/** A source on a fake clock (`clock.now`), polling only when told (interval far away). */
function sourceOf(
  config: Partial<WeightSourceConfig> = {},
  read?: (path: string) => Promise<MetricReading>,
) {
  const log = recordingLogger();
  // Whole seconds: utimes() round-trips them exactly, so the boundary tests are exact.
  const clock = { now: Math.floor(Date.now() / 1000) * 1000 };
  const source = new WeightSource({
    config: { file, fallback: 100, ...config },
    intervalMs: 2_000,
    log,
    now: () => clock.now,
    ...(read === undefined ? {} : { read }),
  });
  sources.push(source);
  return { source, log, clock };
}

/** Writes `text` to the metric file with its mtime set to `mtimeMs`. */
async function writeMetric(text: string, mtimeMs: number): Promise<void> {
  await writeFile(file, text);
  await utimes(file, new Date(mtimeMs), new Date(mtimeMs));
}

describe('WeightSource', () => {
  it('answers the fallback before the first read', () => {
    const { source } = sourceOf({ fallback: 30 });
    expect(source.current()).toBe(30);
  });

  it('maps a fresh value, and falls back once it is older than stale_after', async () => {
    const { source, log, clock } = sourceOf({
      stale_after: 10,
      map: { linear: { from: [0, 7000], to: [100, 1] } },
      fallback: 77,
    });
    await writeMetric('3500\n', clock.now);
    await source.poll();
    expect(source.current()).toBe(50);

    clock.now += 10_000; // exactly stale_after old: still counts
    expect(source.current()).toBe(50);
    clock.now += 1; // older: the fallback, even before the next read
    expect(source.current()).toBe(77);
    expect(log.lines).toEqual([]);

    await source.poll();
    await source.poll();
    expect(log.at('warn')).toEqual([
      {
        level: 'warn',
        message:
          'weight file is stale (last modified 10 s ago, stale_after is 10 s): answering the fallback weight 77%',
        fields: { file, problem: 'stale' },
      },
    ]);

    await writeMetric('700', clock.now); // the writer is back
    await source.poll();
    expect(source.current()).toBe(90);
    expect(log.at('info')).toEqual([
      { level: 'info', message: 'weight file is usable again: weight 90%', fields: { file } },
    ]);
  });

  it('goes stale after 3 × interval without stale_after', async () => {
    const { source, clock } = sourceOf({ fallback: 5 });
    await writeMetric('40', clock.now);
    await source.poll();
    clock.now += 6_000;
    expect(source.current()).toBe(40);
    clock.now += 1;
    expect(source.current()).toBe(5);
  });

  it('treats an mtime in the future as fresh', async () => {
    const { source, clock } = sourceOf();
    await writeMetric('40', clock.now + 3_600_000);
    await source.poll();
    expect(source.current()).toBe(40);
  });

  it('logs one warning per change of problem, not one per poll', async () => {
    const script: MetricReading[] = [
      { ok: false, problem: 'missing', detail: 'does not exist' },
      { ok: false, problem: 'missing', detail: 'does not exist' },
      { ok: false, problem: 'missing', detail: 'does not exist' },
      { ok: false, problem: 'not-a-number', detail: 'does not hold a number (found "abc")' },
      { ok: false, problem: 'not-a-number', detail: 'does not hold a number (found "def")' },
      { ok: false, problem: 'empty', detail: 'is empty' },
      { ok: true, value: 60, mtimeMs: Date.now() },
      { ok: true, value: 61, mtimeMs: Date.now() },
      { ok: false, problem: 'too-large', detail: 'is larger than 4096 bytes (5000 bytes or more)' },
      { ok: false, problem: 'too-large', detail: 'is larger than 4096 bytes (6000 bytes or more)' },
    ];
    const weights: number[] = [];
    let next = 0;
    const { source, log } = sourceOf({ fallback: 25 }, () => Promise.resolve(script[next++]!));
    for (let poll = 0; poll < script.length; poll += 1) {
      await source.poll();
      weights.push(source.current());
    }
    expect(weights).toEqual([25, 25, 25, 25, 25, 25, 60, 61, 25, 25]);
    expect(log.lines.map((line) => `${line.level} ${line.message}`)).toEqual([
      'warn weight file does not exist: answering the fallback weight 25%',
      'warn weight file does not hold a number (found "abc"): answering the fallback weight 25%',
      'warn weight file is empty: answering the fallback weight 25%',
      'info weight file is usable again: weight 60%',
      'warn weight file is larger than 4096 bytes (5000 bytes or more): answering the fallback weight 25%',
    ]);
  });

  it('never crashes on hostile files: each one is the fallback', async () => {
    const { source } = sourceOf({ fallback: 42 });
    for (const content of [
      'NaN',
      '1e309',
      '0x10',
      '40%',
      'x'.repeat(1024 * 1024),
      '\u0000\u00ff',
    ]) {
      await writeFile(file, content);
      await source.poll();
      expect(source.current()).toBe(42);
    }
    await writeFile(file, '-5');
    await source.poll();
    expect(source.current()).toBe(0); // a number: mapped (identity), then clamped
  });

  it('reads at start and then every interval, one read at a time, until stopped', async () => {
    let reads = 0;
    let inFlight = 0;
    let overlapped = false;
    const log = recordingLogger();
    const source = new WeightSource({
      config: { file, fallback: 100 },
      intervalMs: 20,
      log,
      read: async () => {
        reads += 1;
        inFlight += 1;
        overlapped ||= inFlight > 1;
        await new Promise((resolve) => setTimeout(resolve, 50)); // slower than the interval
        inFlight -= 1;
        return { ok: true, value: 33, mtimeMs: Date.now() };
      },
    });
    sources.push(source);
    await source.start(); // resolves after the first read
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(source.current()).toBe(33);
    await waitFor(() => reads >= 4, { what: 'four reads' });
    await source.stop();
    const stoppedAt = reads;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reads).toBe(stoppedAt);
    expect(overlapped).toBe(false);
  });
});
