export { createMetrics, DEFAULT_HISTOGRAM_BUCKETS } from './registry.js';
export type { CreateMetricsOptions, MetricsRegistry, MetricsSource } from './registry.js';
export { formatHostPort, METRICS_PATH, startMetricsExporter } from './exporter.js';
export type { MetricsExporter, MetricsExporterOptions } from './exporter.js';
export { noopMetrics } from './noop.js';
