import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, DEFAULT_HISTOGRAM_BUCKETS } from '../../src/metrics/index.js';

/**
 * The prom-client backed metrics: registration rules of the contract (same name → same metric,
 * conflicts and bad names throw, naming the metric), label handling, and the text exposition.
 */

/** The value of exactly `series` (name plus label block) in an exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const bare = (): ReturnType<typeof createMetrics> => createMetrics({ defaultMetrics: false });

describe('registration', () => {
  it('returns the same metric for the same name, so counting continues', async () => {
    const metrics = bare();
    const spec = { name: 'lighthouse_test_events_total', help: 'Events.', labelNames: ['kind'] };
    const first = metrics.counter(spec);
    first.inc({ kind: 'a' });
    const second = metrics.counter({ ...spec, labelNames: ['kind'] });
    expect(second).toBe(first);
    second.inc({ kind: 'a' }, 2);
    expect(sample(await metrics.exposition(), 'lighthouse_test_events_total{kind="a"}')).toBe(3);

    const gauge = metrics.gauge({ name: 'lighthouse_test_level', help: 'Level.' });
    expect(metrics.gauge({ name: 'lighthouse_test_level', help: 'Other words.' })).toBe(gauge);
    const histogram = metrics.histogram({ name: 'lighthouse_test_seconds', help: 'Time.' });
    expect(
      metrics.histogram({
        name: 'lighthouse_test_seconds',
        help: 'Time.',
        buckets: DEFAULT_HISTOGRAM_BUCKETS,
      }),
    ).toBe(histogram);
  });

  it('treats label names as a set: another order is the same metric', () => {
    const metrics = bare();
    const spec = { name: 'lighthouse_test_pairs', help: 'Pairs.', labelNames: ['a', 'b'] };
    expect(metrics.gauge({ ...spec, labelNames: ['b', 'a'] })).toBe(metrics.gauge(spec));
  });

  it('throws, naming the metric, for the same name with another type', () => {
    const metrics = bare();
    metrics.counter({ name: 'lighthouse_test_things_total', help: 'Things.' });
    expect(() => metrics.gauge({ name: 'lighthouse_test_things_total', help: 'Things.' })).toThrow(
      'metric lighthouse_test_things_total is already registered as a counter; it cannot also be a gauge',
    );
    expect(() =>
      metrics.histogram({ name: 'lighthouse_test_things_total', help: 'Things.' }),
    ).toThrow(/lighthouse_test_things_total .*counter.*histogram/);
  });

  it('throws, naming the metric, for the same name with other labels', () => {
    const metrics = bare();
    metrics.gauge({ name: 'lighthouse_test_up', help: 'Up.', labelNames: ['cluster'] });
    expect(() => metrics.gauge({ name: 'lighthouse_test_up', help: 'Up.' })).toThrow(
      'metric lighthouse_test_up is already registered with labels [cluster]; it was asked for again with []',
    );
    expect(() =>
      metrics.gauge({ name: 'lighthouse_test_up', help: 'Up.', labelNames: ['cluster', 'host'] }),
    ).toThrow(/lighthouse_test_up .*\[cluster\].*\[cluster, host\]/);
  });

  it('throws, naming the metric, for a histogram asked again with other buckets', () => {
    const metrics = bare();
    metrics.histogram({ name: 'lighthouse_test_bytes', help: 'Sizes.', buckets: [10, 100] });
    expect(() =>
      metrics.histogram({ name: 'lighthouse_test_bytes', help: 'Sizes.', buckets: [10, 1000] }),
    ).toThrow('metric lighthouse_test_bytes is already registered with buckets [10, 100]');
    expect(() => metrics.histogram({ name: 'lighthouse_test_bytes', help: 'Sizes.' })).toThrow(
      /lighthouse_test_bytes .*buckets/,
    );
  });

  it('rejects names that are not Prometheus names under lighthouse_', () => {
    const metrics = bare();
    for (const name of [
      'haproxy_reloads_total',
      'lighthouse_',
      'Lighthouse_x',
      'lighthouse-x',
      'lighthouse_a:b',
      'lighthouse_é',
      'lighthouse_a b',
      'lighthouse_x\n',
      '',
    ]) {
      expect(() => metrics.counter({ name, help: 'Bad.' }), JSON.stringify(name)).toThrow(
        /is invalid: it must start with lighthouse_/,
      );
    }
    expect(() => metrics.gauge({ name: 'process_x', help: 'Bad.' })).toThrow('"process_x"');
    expect(() => metrics.gauge({ name: 'lighthouse_Mixed_9', help: 'Fine.' })).not.toThrow();
  });

  it('rejects bad label names and an empty help, naming the metric', () => {
    const metrics = bare();
    const gauge = (labelNames: string[]) => () =>
      metrics.gauge({ name: 'lighthouse_test_labels', help: 'Labels.', labelNames });
    for (const label of ['1a', 'a-b', '__reserved', '', 'é'])
      expect(gauge([label]), label).toThrow(/metric lighthouse_test_labels: label name .* invalid/);
    expect(gauge(['a', 'a'])).toThrow('metric lighthouse_test_labels: label "a" is listed twice');
    expect(() =>
      metrics.histogram({ name: 'lighthouse_test_h', help: 'H.', labelNames: ['le'] }),
    ).toThrow('metric lighthouse_test_h: "le" is reserved');
    expect(() => metrics.counter({ name: 'lighthouse_test_nohelp_total', help: ' ' })).toThrow(
      'metric lighthouse_test_nohelp_total: help must be a non-empty sentence',
    );
    // Nothing half-registered: the name is still free after the failures above.
    expect(() => gauge(['ok'])()).not.toThrow();
  });

  it('refuses a metric whose series would collide with a histogram’s', () => {
    const metrics = bare();
    metrics.histogram({ name: 'lighthouse_test_latency_seconds', help: 'Latency.' });
    expect(() =>
      metrics.gauge({ name: 'lighthouse_test_latency_seconds_count', help: 'Count.' }),
    ).toThrow(
      'it would export lighthouse_test_latency_seconds_count, which metric lighthouse_test_latency_seconds already exports',
    );
    metrics.counter({ name: 'lighthouse_test_load_sum', help: 'Sum.' });
    expect(() => metrics.histogram({ name: 'lighthouse_test_load', help: 'Load.' })).toThrow(
      /metric lighthouse_test_load cannot be registered: .*lighthouse_test_load_sum/,
    );
  });

  it('keeps each registry to itself and off prom-client’s global registry', async () => {
    const one = bare();
    const two = bare();
    const spec = { name: 'lighthouse_test_isolated_total', help: 'Isolated.' };
    one.counter(spec).inc(undefined, 5);
    two.counter(spec).inc();
    expect(sample(await one.exposition(), 'lighthouse_test_isolated_total')).toBe(5);
    expect(sample(await two.exposition(), 'lighthouse_test_isolated_total')).toBe(1);
    expect(globalRegistry.getSingleMetric('lighthouse_test_isolated_total')).toBeUndefined();
    expect(await globalRegistry.metrics()).not.toContain('lighthouse_');
  });
});

describe('recording', () => {
  it('exposes HELP, TYPE and the value of each type', async () => {
    const metrics = bare();
    metrics.counter({ name: 'lighthouse_test_reloads_total', help: 'HAProxy reloads.' }).inc();
    metrics.gauge({ name: 'lighthouse_test_servers', help: 'Servers.' }).set(7);
    metrics.histogram({ name: 'lighthouse_test_pass_seconds', help: 'Pass time.' }).observe(0.2);
    const text = await metrics.exposition();
    expect(text).toContain('# HELP lighthouse_test_reloads_total HAProxy reloads.\n');
    expect(text).toContain('# TYPE lighthouse_test_reloads_total counter\n');
    expect(text).toContain('# TYPE lighthouse_test_servers gauge\n');
    expect(text).toContain('# HELP lighthouse_test_pass_seconds Pass time.\n');
    expect(text).toContain('# TYPE lighthouse_test_pass_seconds histogram\n');
    expect(sample(text, 'lighthouse_test_reloads_total')).toBe(1);
    expect(sample(text, 'lighthouse_test_servers')).toBe(7);
    expect(sample(text, 'lighthouse_test_pass_seconds_sum')).toBe(0.2);
    expect(sample(text, 'lighthouse_test_pass_seconds_count')).toBe(1);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('keeps one series per label set and passes label values through, escaped', async () => {
    const metrics = bare();
    const counter = metrics.counter({
      name: 'lighthouse_test_checks_total',
      help: 'Checks.',
      labelNames: ['service', 'result'],
    });
    counter.inc({ service: 'web', result: 'ok' });
    counter.inc({ result: 'ok', service: 'web' }, 4);
    counter.inc({ service: 'web', result: 'fail' }, 0.5);
    counter.inc({ service: 'we"ird\\one\nx', result: 'ok' });
    const text = await metrics.exposition();
    expect(sample(text, 'lighthouse_test_checks_total{service="web",result="ok"}')).toBe(5);
    expect(sample(text, 'lighthouse_test_checks_total{service="web",result="fail"}')).toBe(0.5);
    expect(
      sample(text, 'lighthouse_test_checks_total{service="we\\"ird\\\\one\\nx",result="ok"}'),
    ).toBe(1);
    // The raw newline never reaches the exposition (it would end the line).
    expect(text).not.toContain('one\nx');
  });

  it('throws, naming the metric, for a label the metric does not have', () => {
    const metrics = bare();
    const gauge = metrics.gauge({ name: 'lighthouse_test_g', help: 'G.', labelNames: ['cluster'] });
    expect(() => gauge.set(1, { cluster: 'a', host: 'b' })).toThrow(
      'metric lighthouse_test_g has no label "host" (its labels: cluster)',
    );
    const counter = metrics.counter({ name: 'lighthouse_test_c_total', help: 'C.' });
    expect(() => counter.inc({ x: '1' })).toThrow(
      'metric lighthouse_test_c_total has no label "x" (its labels: none)',
    );
    const histogram = metrics.histogram({ name: 'lighthouse_test_h_seconds', help: 'H.' });
    expect(() => histogram.observe(1, { x: '1' })).toThrow('lighthouse_test_h_seconds');
    expect(() => gauge.remove({ host: 'b' })).toThrow('lighthouse_test_g has no label "host"');
  });

  it('rejects values prom-client would take silently or report without the name', async () => {
    const metrics = bare();
    const counter = metrics.counter({ name: 'lighthouse_test_n_total', help: 'N.' });
    expect(() => counter.inc(undefined, -1)).toThrow(/lighthouse_test_n_total: a counter only/);
    expect(() => counter.inc(undefined, Number.NaN)).toThrow('lighthouse_test_n_total');
    expect(() => counter.inc(undefined, Infinity)).toThrow('lighthouse_test_n_total');
    const histogram = metrics.histogram({ name: 'lighthouse_test_v', help: 'V.' });
    expect(() => histogram.observe(Number.NaN)).toThrow('metric lighthouse_test_v: cannot observe');
    const text = await metrics.exposition();
    expect(sample(text, 'lighthouse_test_n_total')).toBe(0);
    expect(sample(text, 'lighthouse_test_v_count')).toBe(0);
  });

  it('gauge remove drops one series, which comes back when set again', async () => {
    const metrics = bare();
    const gauge = metrics.gauge({
      name: 'lighthouse_test_cluster_servers',
      help: 'Servers per cluster.',
      labelNames: ['cluster'],
    });
    gauge.set(3, { cluster: 'web' });
    gauge.set(2, { cluster: 'api' });
    gauge.remove({ cluster: 'web' });
    let text = await metrics.exposition();
    expect(text).not.toContain('cluster="web"');
    expect(sample(text, 'lighthouse_test_cluster_servers{cluster="api"}')).toBe(2);
    gauge.remove({ cluster: 'gone' }); // removing an absent series is a no-op
    gauge.set(9, { cluster: 'web' });
    text = await metrics.exposition();
    expect(sample(text, 'lighthouse_test_cluster_servers{cluster="web"}')).toBe(9);
  });

  it('histograms default to 1 ms .. 10 s buckets, cumulative, with +Inf', async () => {
    expect(DEFAULT_HISTOGRAM_BUCKETS[0]).toBe(0.001);
    expect(DEFAULT_HISTOGRAM_BUCKETS.at(-1)).toBe(10);
    const metrics = bare();
    const histogram = metrics.histogram({
      name: 'lighthouse_test_probe_seconds',
      help: 'Probe time.',
      labelNames: ['check'],
    });
    for (const value of [0.0005, 0.003, 0.003, 7, 60]) histogram.observe(value, { check: 'tcp' });
    const text = await metrics.exposition();
    const bucket = (le: string): number | undefined =>
      sample(text, `lighthouse_test_probe_seconds_bucket{le="${le}",check="tcp"}`);
    const bounds = text
      .split('\n')
      .filter((line) => line.startsWith('lighthouse_test_probe_seconds_bucket'))
      .map((line) => /le="([^"]+)"/.exec(line)?.[1]);
    expect(bounds).toEqual([...DEFAULT_HISTOGRAM_BUCKETS.map(String), '+Inf']);
    expect(bucket('0.001')).toBe(1);
    expect(bucket('0.0025')).toBe(1);
    expect(bucket('0.005')).toBe(3);
    expect(bucket('5')).toBe(3);
    expect(bucket('10')).toBe(4);
    expect(bucket('+Inf')).toBe(5);
    expect(sample(text, 'lighthouse_test_probe_seconds_count{check="tcp"}')).toBe(5);
    expect(sample(text, 'lighthouse_test_probe_seconds_sum{check="tcp"}')).toBeCloseTo(67.0065);
  });

  it('takes custom buckets and rejects ones that are not finite and increasing', async () => {
    const metrics = bare();
    metrics
      .histogram({ name: 'lighthouse_test_size_bytes', help: 'Size.', buckets: [100, 1000] })
      .observe(150);
    const text = await metrics.exposition();
    expect(sample(text, 'lighthouse_test_size_bytes_bucket{le="100"}')).toBe(0);
    expect(sample(text, 'lighthouse_test_size_bytes_bucket{le="1000"}')).toBe(1);
    expect(text).not.toContain('lighthouse_test_size_bytes_bucket{le="0.001"}');
    for (const buckets of [[], [1, 1], [2, 1], [1, Number.NaN], [1, Infinity]]) {
      expect(
        () => metrics.histogram({ name: 'lighthouse_test_bad', help: 'Bad.', buckets }),
        JSON.stringify(buckets),
      ).toThrow(
        /metric lighthouse_test_bad: buckets must be finite numbers in strictly increasing/,
      );
    }
  });
});

describe('default process metrics', () => {
  it('are on by default, with prom-client’s names, and off on request', async () => {
    const text = await createMetrics().exposition();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE process_start_time_seconds gauge');
    expect(text).toContain('# TYPE nodejs_heap_size_total_bytes gauge');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(sample(text, 'process_start_time_seconds')).toBeGreaterThan(1.7e9);
    // A second registry in the same process collects them too, without a name collision.
    expect(await createMetrics().exposition()).toContain('process_cpu_user_seconds_total');
    const without = await bare().exposition();
    expect(without).not.toContain('process_');
    expect(without).not.toContain('nodejs_');
  });
});
