import type { CounterMetric, GaugeMetric, HistogramMetric, Metrics } from '../contracts/metrics.js';

const counter: CounterMetric = { inc: () => undefined };
const gauge: GaugeMetric = { set: () => undefined, remove: () => undefined };
const histogram: HistogramMetric = { observe: () => undefined };

/** Metrics that record nothing: for embedders and tests that do not look at metrics. */
export const noopMetrics: Metrics = {
  counter: () => counter,
  gauge: () => gauge,
  histogram: () => histogram,
};
