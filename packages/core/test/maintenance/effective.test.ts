import { describe, expect, it } from 'vitest';
import { effectiveMaintenance, nextExpiry } from '../../src/maintenance/index.js';
import type { MaintenanceEntry, MaintenanceMode } from '../../src/maintenance/index.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

function entry(
  service: string,
  port: number | undefined,
  mode: MaintenanceMode,
  more: Partial<MaintenanceEntry> = {},
): MaintenanceEntry {
  const made: MaintenanceEntry = {
    service,
    mode,
    reason: `${service}@${port}`,
    since: NOW - 60_000,
  };
  if (port !== undefined) made.port = port;
  return { ...made, ...more };
}

describe('effectiveMaintenance', () => {
  it('finds nothing without entries', () => {
    expect(effectiveMaintenance([], 'web', 8080, NOW)).toBeUndefined();
  });

  it('ignores other services and other ports', () => {
    const entries = [
      entry('api', undefined, 'down'),
      entry('api', 8080, 'down'),
      entry('web', 9090, 'down'),
      entry('all', 9090, 'down'),
      entry('webx', undefined, 'down'),
    ];
    expect(effectiveMaintenance(entries, 'web', 8080, NOW)).toBeUndefined();
  });

  it.each([
    ['web@8080', entry('web', 8080, 'drain')],
    ['web', entry('web', undefined, 'drain')],
    ['all@8080', entry('all', 8080, 'drain')],
    ['all', entry('all', undefined, 'drain')],
  ])('applies an entry for %s', (_label, only) => {
    expect(effectiveMaintenance([only], 'web', 8080, NOW)).toBe(only);
  });

  it('prefers the most specific entry among the same mode', () => {
    const all = entry('all', undefined, 'drain');
    const allPort = entry('all', 8080, 'drain');
    const service = entry('web', undefined, 'drain');
    const servicePort = entry('web', 8080, 'drain');
    expect(effectiveMaintenance([all, allPort, service, servicePort], 'web', 8080, NOW)).toBe(
      servicePort,
    );
    expect(effectiveMaintenance([servicePort, service, allPort, all], 'web', 8080, NOW)).toBe(
      servicePort,
    );
    expect(effectiveMaintenance([all, allPort, service], 'web', 8080, NOW)).toBe(service);
    expect(effectiveMaintenance([all, allPort], 'web', 8080, NOW)).toBe(allPort);
    expect(effectiveMaintenance([allPort, all], 'web', 8080, NOW)).toBe(allPort);
  });

  it('lets down beat drain, however broad the down entry is', () => {
    const drain = entry('web', 8080, 'drain');
    const down = entry('all', undefined, 'down');
    expect(effectiveMaintenance([drain, down], 'web', 8080, NOW)).toBe(down);
    expect(effectiveMaintenance([down, drain], 'web', 8080, NOW)).toBe(down);
  });

  it('breaks ties by the earliest since, then by order', () => {
    const early = entry('web', undefined, 'down', { since: NOW - 10_000, reason: 'early' });
    const late = entry('web', undefined, 'down', { since: NOW - 5_000, reason: 'late' });
    expect(effectiveMaintenance([late, early], 'web', 8080, NOW)).toBe(early);
    const twin = { ...early, reason: 'twin' };
    expect(effectiveMaintenance([early, twin], 'web', 8080, NOW)).toBe(early);
    expect(effectiveMaintenance([twin, early], 'web', 8080, NOW)).toBe(twin);
  });

  it('ignores expired entries: until <= now', () => {
    const lapsed = entry('web', 8080, 'down', { until: NOW });
    const lapsing = entry('web', undefined, 'down', { until: NOW + 1 });
    const drain = entry('all', undefined, 'drain');
    expect(effectiveMaintenance([lapsed], 'web', 8080, NOW)).toBeUndefined();
    expect(effectiveMaintenance([lapsed, lapsing, drain], 'web', 8080, NOW)).toBe(lapsing);
    expect(effectiveMaintenance([lapsed, lapsing, drain], 'web', 8080, NOW + 1)).toBe(drain);
  });

  it('does not wait for since: an entry dated in the future is in force now', () => {
    const future = entry('web', undefined, 'down', { since: NOW + 3_600_000 });
    expect(effectiveMaintenance([future], 'web', 8080, NOW)).toBe(future);
  });
});

describe('nextExpiry', () => {
  it('is undefined when nothing will lapse', () => {
    expect(nextExpiry([], NOW)).toBeUndefined();
    expect(nextExpiry([entry('web', undefined, 'down')], NOW)).toBeUndefined();
    expect(nextExpiry([entry('web', undefined, 'down', { until: NOW })], NOW)).toBeUndefined();
  });

  it('is the earliest until still ahead, across all services and modes', () => {
    const entries = [
      entry('web', undefined, 'down', { until: NOW - 1 }),
      entry('api', 8080, 'drain', { until: NOW + 90_000 }),
      entry('all', undefined, 'down'),
      entry('web', 8080, 'drain', { until: NOW + 30_000 }),
      entry('db', undefined, 'down', { until: NOW + 60_000 }),
    ];
    expect(nextExpiry(entries, NOW)).toBe(NOW + 30_000);
    expect(nextExpiry(entries, NOW + 30_000)).toBe(NOW + 60_000);
    expect(nextExpiry(entries, NOW + 90_000)).toBeUndefined();
  });
});
