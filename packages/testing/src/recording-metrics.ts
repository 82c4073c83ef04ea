import type { MetricLabels, Metrics, MetricSpec } from '@lighthouse/core';

/** What a {@link recordingMetrics} metric holds: its type and every labelled series' value. */
export interface RecordedMetric {
  type: 'counter' | 'gauge' | 'histogram';
  spec: MetricSpec;
  /** Counter and gauge values; for a histogram, the sum of observations. By series key. */
  values: Map<string, number>;
  /** Histogram observations by series key. */
  observations: Map<string, number[]>;
}

/** One call made on a {@link RecordingMetrics}, in order: creations and updates. */
export type MetricCall =
  | { call: 'counter' | 'gauge' | 'histogram'; name: string; labelNames: readonly string[] }
  | { call: 'inc' | 'set' | 'observe'; name: string; labels: MetricLabels; value: number }
  | { call: 'remove'; name: string; labels: MetricLabels };

/** A {@link Metrics} that keeps everything in memory, for tests to read back. */
export interface RecordingMetrics extends Metrics {
  readonly metrics: ReadonlyMap<string, RecordedMetric>;
  /** Every call so far, oldest first. */
  readonly calls: readonly MetricCall[];
  /** A series' value (0 when never recorded); for a histogram, its observation count. */
  value(name: string, labels?: MetricLabels): number;
  /** Every value a gauge series was set to, in order. */
  history(name: string, labels?: MetricLabels): number[];
  /** Names of the metrics asked for so far, one entry per creation call. */
  created(): string[];
}

/** The series key of a label set: `a="1",b="2"`, sorted by label name ('' without labels). */
export function seriesKey(labels: MetricLabels = {}): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(',');
}

/**
 * Records metrics in memory. Like core's registry, asking twice for a name returns the same
 * metric and asking for it with another type throws; labels outside `labelNames` throw.
 */
export function recordingMetrics(): RecordingMetrics {
  const metrics = new Map<string, RecordedMetric>();
  const calls: MetricCall[] = [];
  const get = (type: RecordedMetric['type'], spec: MetricSpec): RecordedMetric => {
    calls.push({ call: type, name: spec.name, labelNames: spec.labelNames ?? [] });
    const known = metrics.get(spec.name);
    if (known !== undefined) {
      if (known.type !== type) throw new Error(`${spec.name} is a ${known.type}, not a ${type}`);
      return known;
    }
    const made = { type, spec, values: new Map(), observations: new Map() };
    metrics.set(spec.name, made);
    return made;
  };
  const key = (metric: RecordedMetric, labels: MetricLabels | undefined): string => {
    for (const name of Object.keys(labels ?? {})) {
      if (!(metric.spec.labelNames ?? []).includes(name)) {
        throw new Error(`${metric.spec.name} has no label "${name}"`);
      }
    }
    return seriesKey(labels);
  };
  return {
    metrics,
    calls,
    value(name, labels) {
      const metric = metrics.get(name);
      if (metric === undefined) return 0;
      const series = seriesKey(labels);
      if (metric.type === 'histogram') return metric.observations.get(series)?.length ?? 0;
      return metric.values.get(series) ?? 0;
    },
    history(name, labels) {
      const series = seriesKey(labels);
      return calls.flatMap((call) =>
        call.call === 'set' && call.name === name && seriesKey(call.labels) === series
          ? [call.value]
          : [],
      );
    },
    created() {
      return calls.flatMap((call) =>
        call.call === 'counter' || call.call === 'gauge' || call.call === 'histogram'
          ? [call.name]
          : [],
      );
    },
    counter(spec) {
      const metric = get('counter', spec);
      return {
        inc(labels, amount = 1) {
          const series = key(metric, labels);
          metric.values.set(series, (metric.values.get(series) ?? 0) + amount);
          calls.push({ call: 'inc', name: spec.name, labels: labels ?? {}, value: amount });
        },
      };
    },
    gauge(spec) {
      const metric = get('gauge', spec);
      return {
        set(value, labels) {
          metric.values.set(key(metric, labels), value);
          calls.push({ call: 'set', name: spec.name, labels: labels ?? {}, value });
        },
        remove(labels) {
          metric.values.delete(key(metric, labels));
          calls.push({ call: 'remove', name: spec.name, labels });
        },
      };
    },
    histogram(spec) {
      const metric = get('histogram', spec);
      return {
        observe(value, labels) {
          const series = key(metric, labels);
          metric.observations.set(series, [...(metric.observations.get(series) ?? []), value]);
          metric.values.set(series, (metric.values.get(series) ?? 0) + value);
          calls.push({ call: 'observe', name: spec.name, labels: labels ?? {}, value });
        },
      };
    },
  };
}
