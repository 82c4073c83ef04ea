import { describe, expect, it } from 'vitest';
import { recordingMetrics } from '@lighthouse/testing';
import { ReporterMetrics } from '../../src/engine/reporter-metrics.js';
import type { GaugedPort } from '../../src/engine/reporter-metrics.js';

const port = (n: number, changes: Partial<GaugedPort> = {}): GaugedPort => ({
  service: 'web',
  port: 8000 + n,
  healthy: true,
  registered: true,
  ...changes,
});

describe('ReporterMetrics.ports', () => {
  it('sets only the gauges whose value changed, so each update costs the change', () => {
    const metrics = recordingMetrics();
    const gauges = new ReporterMetrics(metrics);
    const sets = () => metrics.calls.filter((call) => call.call === 'set').length;
    const all = Array.from({ length: 100 }, (_, n) => port(n));

    gauges.ports(all);
    // healthy, registered, and maintenance in each of its two modes, for every port.
    expect(sets()).toBe(400);

    gauges.ports(all);
    expect(sets()).toBe(400);

    const one = all.map((p, n) => (n === 7 ? port(7, { healthy: false, registered: false }) : p));
    gauges.ports(one);
    expect(sets()).toBe(402);
    expect(
      metrics.value('lighthouse_reporter_port_healthy', { service: 'web', port: '8007' }),
    ).toBe(0);
    expect(metrics.value('lighthouse_reporter_registered', { service: 'web', port: '8007' })).toBe(
      0,
    );

    const drained = one.map((p, n) => (n === 3 ? port(3, { maintenance: { mode: 'drain' } }) : p));
    gauges.ports(drained);
    expect(sets()).toBe(404);
    const mode = (m: string) =>
      metrics.value('lighthouse_reporter_maintenance', { service: 'web', port: '8003', mode: m });
    expect([mode('drain'), mode('down')]).toEqual([1, 0]);
  });

  it('removes the series of a port gone, and sets them all again when it returns', () => {
    const metrics = recordingMetrics();
    const gauges = new ReporterMetrics(metrics);
    const labels = { service: 'web', port: '8001' };
    gauges.ports([port(0), port(1)]);
    gauges.ports([port(0)]);
    const removed = metrics.calls.filter((call) => call.call === 'remove');
    expect(removed.map((call) => call.name).sort()).toEqual([
      'lighthouse_reporter_maintenance',
      'lighthouse_reporter_maintenance',
      'lighthouse_reporter_port_healthy',
      'lighthouse_reporter_registered',
    ]);
    expect(removed.every((call) => call.labels['port'] === '8001')).toBe(true);

    const before = metrics.calls.length;
    gauges.ports([port(0), port(1)]);
    const again = metrics.calls.slice(before).filter((call) => call.call === 'set');
    expect(again).toHaveLength(4);
    expect(metrics.value('lighthouse_reporter_port_healthy', labels)).toBe(1);
  });
});
