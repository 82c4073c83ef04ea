/**
 * Metrics a plugin (or an engine) records. Core backs them with one prom-client registry per
 * daemon and serves it on `/metrics` when the daemon's config sets `metrics.listen`; plugins see
 * only this interface, so they need no Prometheus dependency of their own.
 *
 * Names follow Prometheus conventions: `lighthouse_<subsystem>_<what>_<unit>`, counters end in
 * `_total`, durations are in seconds. Asking twice for the same name returns the same metric (a
 * plugin instance replaced after a config edit keeps counting where the last one stopped); asking
 * for an existing name with another type or other labels throws.
 */
export interface Metrics {
  counter(spec: MetricSpec): CounterMetric;
  gauge(spec: MetricSpec): GaugeMetric;
  histogram(spec: HistogramSpec): HistogramMetric;
}

/** Label values by label name; every name must be one of the metric's `labelNames`. */
export type MetricLabels = Readonly<Record<string, string>>;

export interface MetricSpec {
  /** e.g. `lighthouse_haproxy_reloads_total`. */
  name: string;
  /** One sentence for `# HELP`. */
  help: string;
  labelNames?: readonly string[];
}

export interface HistogramSpec extends MetricSpec {
  /** Upper bounds in the metric's unit; default suits durations from 1 ms to 10 s. */
  buckets?: readonly number[];
}

export interface CounterMetric {
  inc(labels?: MetricLabels, amount?: number): void;
}

export interface GaugeMetric {
  set(value: number, labels?: MetricLabels): void;
  /** Drops one labelled series (a cluster that went away), so it stops being exported. */
  remove(labels: MetricLabels): void;
}

export interface HistogramMetric {
  observe(value: number, labels?: MetricLabels): void;
}
