import { describe, expect, it } from 'vitest';
import { SyncScheduler } from '../../src/engine/sync-scheduler.js';
import { silentLogger } from '../../src/log.js';
import { waitFor } from '@lighthouse/testing';

describe('SyncScheduler', () => {
  it('coalesces a burst of requests into one sync', async () => {
    let syncs = 0;
    const scheduler = new SyncScheduler(async () => void syncs++, 20, silentLogger);
    const settled = scheduler.settled();
    for (let i = 0; i < 100; i++) scheduler.request();
    await settled;
    expect(syncs).toBe(1);
    await scheduler.stop();
  });

  it('never runs two syncs at once, and runs once more for requests made during a sync', async () => {
    let running = 0;
    let overlap = false;
    let syncs = 0;
    let release: (() => void) | undefined;
    const scheduler = new SyncScheduler(
      async () => {
        running++;
        overlap ||= running > 1;
        syncs++;
        if (syncs === 1) await new Promise<void>((resolve) => (release = resolve));
        running--;
      },
      1,
      silentLogger,
    );
    scheduler.request();
    await waitFor(() => release !== undefined, { what: 'the first sync to start' });
    for (let i = 0; i < 10; i++) scheduler.request();
    release?.();
    await waitFor(() => syncs === 2, { what: 'exactly one follow-up sync' });
    expect(overlap).toBe(false);
    await scheduler.stop();
    expect(syncs).toBe(2);
  });

  it('retries a failed sync until it succeeds', async () => {
    let attempts = 0;
    const scheduler = new SyncScheduler(
      async () => {
        attempts++;
        if (attempts < 3) throw new Error('haproxy said no');
      },
      1,
      silentLogger,
    );
    const settled = scheduler.settled();
    scheduler.request();
    await settled;
    expect(attempts).toBe(3);
    await scheduler.stop();
  });
});
