import { DEFAULT_STATE_DIR } from '../config/schemas.js';
import type { WriterConfig } from '../config/types.js';
import type { Metrics } from '../contracts/metrics.js';
import type { Logger } from '../log.js';
import { StateDirSocket } from './control-socket.js';
import type { StatusSource } from './control-socket.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { writerSocket } from './state-paths.js';

/** What the writer's settings serve. */
export interface WriterSettingsOptions {
  logger: Logger;
  /** The state directory when `writer.yaml` sets none. */
  defaultStateDir?: string;
  /** The whole status, for the control socket. */
  status: StatusSource;
  /** The writer's metrics, served on `metrics.listen`. */
  metrics: Metrics;
}

/**
 * Applies `writer.yaml`: the state directory, where the control socket `writer.sock` is served
 * for `lighthouse status`, and the metrics exporter. A socket or exporter that cannot be served
 * is logged; the writer keeps syncing.
 */
export class WriterSettings {
  private readonly control: StateDirSocket;
  private readonly exporter: MetricsEndpoint;

  constructor(private readonly options: WriterSettingsOptions) {
    this.control = new StateDirSocket(writerSocket, options.status, options.logger);
    this.exporter = new MetricsEndpoint(options.metrics, options.logger, 'writer.yaml');
  }

  /** Whether any settings were applied yet (the defaults, or `writer.yaml`). */
  get applied(): boolean {
    return this.control.stateDir !== undefined;
  }

  get stateDir(): string {
    return this.control.stateDir ?? this.options.defaultStateDir ?? DEFAULT_STATE_DIR;
  }

  /** Applies `writer.yaml` (undefined: the file is absent or was deleted → defaults). */
  async apply(config: WriterConfig | undefined): Promise<void> {
    await this.control.serveIn(
      config?.stateDir ?? this.options.defaultStateDir ?? DEFAULT_STATE_DIR,
    );
    await this.exporter.apply(config?.metrics);
  }

  async close(): Promise<void> {
    await Promise.all([this.control.close(), this.exporter.close()]);
  }
}
