import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type {
  CounterMetric,
  GaugeMetric,
  HistogramMetric,
  HistogramSpec,
  MetricLabels,
  Metrics,
  MetricSpec,
} from '../contracts/metrics.js';
import { printable } from '../model/names.js';

/**
 * The {@link Metrics} of one daemon, over a prom-client `Registry` of its own: never prom-client's
 * global registry, so two daemons embedded in one process (or a host application that uses
 * prom-client itself) do not see each other's metrics or collide on names.
 */

/** What the exporter serves: the text exposition and its content type. */
export interface MetricsSource {
  /** The Prometheus text exposition of every registered metric. */
  exposition(): Promise<string>;
  /** The exposition's `Content-Type` (`text/plain; version=0.0.4; charset=utf-8`). */
  readonly contentType: string;
}

/** {@link Metrics} backed by prom-client, plus what serving `/metrics` needs. */
export interface MetricsRegistry extends Metrics, MetricsSource {
  /** The underlying prom-client registry, for embedders (e.g. to `Registry.merge` with theirs). */
  readonly registry: Registry;
}

/** Options of {@link createMetrics}. */
export interface CreateMetricsOptions {
  /**
   * Also export prom-client's default metrics (`process_*`, `nodejs_*`: CPU, memory, file
   * descriptors, event-loop lag, GC). Default true. They describe the whole process, so every
   * registry of a process reports the same values; each registry that collects them keeps one
   * GC observer and one event-loop monitor for the life of the process.
   */
  defaultMetrics?: boolean;
}

/** Upper bounds, in seconds, of histograms that name no buckets: 1 ms to 10 s. */
export const DEFAULT_HISTOGRAM_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * Prometheus' metric-name rule without the colon (reserved for recording rules, never for
 * instrumentation), under lighthouse's own prefix.
 */
const METRIC_NAME = /^lighthouse_[a-zA-Z0-9_]+$/;
/** Prometheus' label-name rule; names starting with `__` are reserved (checked separately). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type MetricType = 'counter' | 'gauge' | 'histogram';

interface Entry {
  type: MetricType;
  /** Sorted, for comparison with a later request. */
  labelNames: readonly string[];
  buckets: readonly number[] | undefined;
  handle: CounterMetric | GaugeMetric | HistogramMetric;
}

/** Creates the metrics of one daemon, over a fresh prom-client registry. */
export function createMetrics(options: CreateMetricsOptions = {}): MetricsRegistry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const entries = new Map<string, Entry>();
  /** Every series name a metric exports (a histogram's `_bucket`, `_sum`, `_count`) → its metric. */
  const exported = new Map<string, string>();

  function obtain<T extends Entry['handle']>(
    type: MetricType,
    spec: MetricSpec,
    buckets: readonly number[] | undefined,
    create: (labelNames: string[], known: ReadonlySet<string>) => T,
  ): T {
    checkName(spec.name);
    const name = spec.name;
    const labelNames = checkLabelNames(name, type, spec.labelNames ?? []);
    const existing = entries.get(name);
    if (existing !== undefined) {
      checkSame(name, existing, { type, labelNames: [...labelNames].sort(), buckets });
      // Same type (just checked), so the handle is the one `create` made for this type.
      return existing.handle as T;
    }
    if (typeof spec.help !== 'string' || spec.help.trim() === '')
      throw new TypeError(`metric ${name}: help must be a non-empty sentence`);
    const series = type === 'histogram' ? ['', '_bucket', '_sum', '_count'] : [''];
    for (const suffix of series) {
      const owner = exported.get(name + suffix);
      if (owner !== undefined)
        throw new Error(
          `metric ${name} cannot be registered: it would export ${name + suffix}, which metric ${owner} already exports`,
        );
    }
    const handle = create(labelNames, new Set(labelNames));
    entries.set(name, { type, labelNames: [...labelNames].sort(), buckets, handle });
    for (const suffix of series) exported.set(name + suffix, name);
    return handle;
  }

  return {
    registry,
    contentType: registry.contentType,
    exposition: () => registry.metrics(),

    counter(spec) {
      return obtain<CounterMetric>('counter', spec, undefined, (labelNames, known) => {
        const counter = new Counter({ ...base(spec, labelNames), registers: [registry] });
        return {
          inc(labels, amount) {
            checkLabels(spec.name, known, labels);
            if (amount !== undefined && !(Number.isFinite(amount) && amount >= 0))
              throw new RangeError(
                `metric ${spec.name}: a counter only goes up by a finite amount >= 0, not ${String(amount)}`,
              );
            counter.inc(labels ?? {}, amount ?? 1);
          },
        };
      });
    },

    gauge(spec) {
      return obtain<GaugeMetric>('gauge', spec, undefined, (labelNames, known) => {
        const gauge = new Gauge({ ...base(spec, labelNames), registers: [registry] });
        return {
          set(value, labels) {
            checkLabels(spec.name, known, labels);
            if (typeof value !== 'number')
              throw new TypeError(`metric ${spec.name}: ${String(value)} is not a number`);
            gauge.set(labels ?? {}, value);
          },
          remove(labels) {
            checkLabels(spec.name, known, labels);
            gauge.remove(labels ?? {});
          },
        };
      });
    },

    histogram(spec: HistogramSpec) {
      const buckets = checkBuckets(spec.name, spec.buckets ?? DEFAULT_HISTOGRAM_BUCKETS);
      return obtain<HistogramMetric>('histogram', spec, buckets, (labelNames, known) => {
        const histogram = new Histogram({
          ...base(spec, labelNames),
          buckets: [...buckets],
          registers: [registry],
        });
        return {
          observe(value, labels) {
            checkLabels(spec.name, known, labels);
            if (!Number.isFinite(value))
              throw new RangeError(
                `metric ${spec.name}: cannot observe ${String(value)}, only finite numbers`,
              );
            histogram.observe(labels ?? {}, value);
          },
        };
      });
    },
  };
}

function base(
  spec: MetricSpec,
  labelNames: string[],
): { name: string; help: string; labelNames: string[] } {
  return { name: spec.name, help: spec.help, labelNames };
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name))
    throw new TypeError(
      `metric name "${printable(String(name))}" is invalid: it must start with lighthouse_ and ` +
        'continue with letters, digits and underscores only (e.g. lighthouse_haproxy_reloads_total)',
    );
}

function checkLabelNames(name: string, type: MetricType, labelNames: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (typeof label !== 'string' || !LABEL_NAME.test(label) || label.startsWith('__'))
      throw new TypeError(
        `metric ${name}: label name "${printable(String(label))}" is invalid: letters, digits and ` +
          'underscores, not starting with a digit or with __',
      );
    if (type === 'histogram' && label === 'le')
      throw new TypeError(`metric ${name}: "le" is reserved for a histogram's bucket bounds`);
    if (seen.has(label)) throw new TypeError(`metric ${name}: label "${label}" is listed twice`);
    seen.add(label);
  }
  return [...labelNames];
}

function checkBuckets(name: string, buckets: readonly number[]): readonly number[] {
  const increasing = buckets.every(
    (bound, index) =>
      typeof bound === 'number' &&
      Number.isFinite(bound) &&
      (index === 0 || bound > (buckets[index - 1] as number)),
  );
  if (buckets.length === 0 || !increasing)
    throw new TypeError(
      `metric ${name}: buckets must be finite numbers in strictly increasing order, ` +
        `not [${buckets.map(String).join(', ')}] (+Inf is always added)`,
    );
  return Object.freeze([...buckets]);
}

function checkSame(
  name: string,
  existing: Entry,
  asked: Pick<Entry, 'type' | 'labelNames' | 'buckets'>,
): void {
  const list = (items: readonly unknown[]): string => `[${items.map(String).join(', ')}]`;
  if (existing.type !== asked.type)
    throw new Error(
      `metric ${name} is already registered as a ${existing.type}; it cannot also be a ${asked.type}`,
    );
  if (list(existing.labelNames) !== list(asked.labelNames))
    throw new Error(
      `metric ${name} is already registered with labels ${list(existing.labelNames)}; ` +
        `it was asked for again with ${list(asked.labelNames)}`,
    );
  if (existing.buckets !== undefined && asked.buckets !== undefined) {
    if (list(existing.buckets) !== list(asked.buckets))
      throw new Error(
        `metric ${name} is already registered with buckets ${list(existing.buckets)}; ` +
          `it was asked for again with ${list(asked.buckets)}`,
      );
  }
}

/** Every label must be one of the metric's; prom-client would throw too, without the metric's name. */
function checkLabels(
  name: string,
  known: ReadonlySet<string>,
  labels: MetricLabels | undefined,
): void {
  if (labels === undefined) return;
  for (const label of Object.keys(labels)) {
    if (!known.has(label))
      throw new TypeError(
        `metric ${name} has no label "${printable(label)}" (its labels: ${
          known.size === 0 ? 'none' : [...known].join(', ')
        })`,
      );
  }
}
