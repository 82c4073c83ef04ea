import type { Metrics } from '../contracts/metrics.js';
import type { DaemonConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatHostPort, startMetricsExporter } from '../metrics/exporter.js';
import type { MetricsExporter } from '../metrics/exporter.js';
import type { MetricsSource } from '../metrics/registry.js';

/** Whether `metrics` can be served (a {@link createMetrics} registry), not only recorded. */
export function isMetricsSource(metrics: Metrics): metrics is Metrics & MetricsSource {
  const candidate = metrics as Partial<MetricsSource>;
  return typeof candidate.exposition === 'function' && typeof candidate.contentType === 'string';
}

/**
 * A daemon's `metrics.listen`, applied live: a new address starts the exporter, a changed one
 * restarts it, none stops it. An address that cannot be bound (a port in use) is logged as an
 * error and the daemon carries on without an exporter; applying the same address again (any later
 * edit of the settings file) tries once more.
 */
export class MetricsEndpoint {
  private exporter: MetricsExporter | undefined;
  /** The address asked for last, served or not. */
  private listen: string | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /** The settings file, for the log (`writer.yaml`). */
    private readonly file: string,
  ) {}

  /** The running exporter's URL, if one runs. */
  get url(): string | undefined {
    return this.exporter?.url;
  }

  async apply(listen: DaemonConfig['metrics']): Promise<void> {
    const wanted = listen === undefined ? undefined : formatHostPort(listen.host, listen.port);
    if (wanted === this.listen && (wanted === undefined || this.exporter !== undefined)) return;
    this.listen = wanted;
    await this.stopExporter();
    if (wanted === undefined) return;
    if (!isMetricsSource(this.metrics)) {
      this.logger.error(
        `${this.file} sets metrics.listen, but the metrics this daemon was given cannot be served`,
        { listen: wanted },
      );
      return;
    }
    try {
      this.exporter = await startMetricsExporter({
        listen: wanted,
        metrics: this.metrics,
        logger: this.logger,
      });
    } catch (error) {
      this.logger.error(`the metrics exporter cannot listen; ${this.file} metrics.listen`, {
        listen: wanted,
        error: describeError(error),
      });
    }
  }

  /** Stops the exporter, if one runs. */
  close(): Promise<void> {
    this.listen = undefined;
    return this.stopExporter();
  }

  private async stopExporter(): Promise<void> {
    const running = this.exporter;
    this.exporter = undefined;
    await running?.close();
  }
}
