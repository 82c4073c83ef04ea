import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_STATE_DIR } from '../config/schemas.js';
import type { ReporterConfig } from '../config/types.js';
import type { Metrics } from '../contracts/metrics.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MaintenanceState } from '../maintenance/index.js';
import { StateDirSocket } from './control-socket.js';
import { startHealthProxy } from './health-proxy.js';
import type { HealthProxy, PortHealth } from './health-proxy.js';
import { MaintenanceWatch } from './maintenance-watch.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { maintenanceDir, reporterSocket } from './state-paths.js';

/** What the settings serve and whom they tell. */
export interface ReporterSettingsOptions {
  logger: Logger;
  /** The state directory when `reporter.yaml` sets none. */
  defaultStateDir?: string;
  /** Every change of the maintenance entries (also their first read). */
  onMaintenance: (state: MaintenanceState) => void;
  /** The live state of every (service, port), for the health proxy. */
  ports: () => readonly PortHealth[];
  /** The whole status, for the control socket. */
  status: () => unknown;
  /** The reporter's metrics, served on `metrics.listen`. */
  metrics: Metrics;
}

/**
 * Applies `reporter.yaml`: the state directory (the maintenance entries it follows, the control
 * socket it serves), the health proxy and the metrics exporter. A changed value restarts only what it concerns; a
 * resource that cannot start (a port taken) is logged and the reporter keeps checking and
 * registering.
 */
export class ReporterSettings {
  private current: ReporterConfig | undefined;
  private watch: MaintenanceWatch | undefined;
  private readonly control: StateDirSocket;
  private proxy: HealthProxy | undefined;
  private readonly exporter: MetricsEndpoint;
  private state: MaintenanceState = { entries: [], issues: [] };

  constructor(private readonly options: ReporterSettingsOptions) {
    this.control = new StateDirSocket(reporterSocket, options.status, options.logger);
    this.exporter = new MetricsEndpoint(options.metrics, options.logger, 'reporter.yaml');
  }

  /** Whether any settings were applied yet (the defaults, or `reporter.yaml`). */
  get applied(): boolean {
    return this.current !== undefined;
  }

  /** The maintenance entries last read (empty until the first read). */
  get maintenance(): MaintenanceState {
    return this.state;
  }

  /** The peer `reporter.yaml` asks to advertise on every node, if any. */
  get peer(): ReporterConfig['peer'] {
    return this.current?.peer;
  }

  get stateDir(): string {
    return this.current?.stateDir ?? this.defaults().stateDir;
  }

  /** Applies `reporter.yaml` (undefined: the file is absent or was deleted → defaults). */
  async apply(config: ReporterConfig | undefined): Promise<void> {
    const next = config ?? this.defaults();
    const previous = this.current;
    this.current = next;
    if (await this.control.serveIn(next.stateDir)) await this.useStateDir(next.stateDir);
    if (!isDeepStrictEqual(previous?.healthProxy, next.healthProxy))
      await this.useHealthProxy(next.healthProxy);
    await this.exporter.apply(next.metrics);
  }

  async close(): Promise<void> {
    this.watch?.close();
    await Promise.all([this.control.close(), this.proxy?.close(), this.exporter.close()]);
    this.watch = undefined;
    this.proxy = undefined;
  }

  private defaults(): ReporterConfig {
    return { stateDir: this.options.defaultStateDir ?? DEFAULT_STATE_DIR };
  }

  /** Follows the maintenance entries of a new state directory (the socket has moved there). */
  private async useStateDir(stateDir: string): Promise<void> {
    const { logger } = this.options;
    this.watch?.close();
    this.watch = new MaintenanceWatch(maintenanceDir(stateDir), logger, (state) => {
      this.state = state;
      this.options.onMaintenance(state);
    });
    await this.watch.start();
    logger.info('following maintenance entries', { dir: maintenanceDir(stateDir) });
  }

  private async useHealthProxy(listen: ReporterConfig['healthProxy']): Promise<void> {
    await this.proxy?.close();
    this.proxy = undefined;
    if (listen === undefined) return;
    try {
      this.proxy = await startHealthProxy({
        host: listen.host,
        port: listen.port,
        ports: this.options.ports,
        logger: this.options.logger,
      });
      this.options.logger.info('health proxy listening', this.proxy.address);
    } catch (error) {
      this.options.logger.error('the health proxy cannot listen; reporter.yaml health_proxy', {
        listen: `${listen.host}:${listen.port}`,
        error: describeError(error),
      });
    }
  }
}
