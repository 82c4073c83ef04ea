import type {
  CounterMetric,
  GaugeMetric,
  HistogramMetric,
  MetricLabels,
  Metrics,
} from '../contracts/metrics.js';
import type { MaintenanceMode } from '../maintenance/index.js';
import type { CheckResult } from './run-check.js';

/** One (service, port) as the reporter's gauges show it (a subset of its status). */
export interface GaugedPort {
  service: string;
  port: number;
  healthy: boolean;
  registered: boolean;
  maintenance?: { mode: MaintenanceMode };
}

/** The labels of one port's gauges and the values they were last set to. */
interface PortGauges {
  readonly labels: { readonly service: string; readonly port: string };
  readonly healthy: boolean;
  readonly registered: boolean;
  readonly mode: MaintenanceMode | undefined;
}

const RESULTS: readonly CheckResult[] = ['pass', 'fail', 'timeout', 'error'];
const MODES: readonly MaintenanceMode[] = ['down', 'drain'];

/** The label sets of one check's series, made once: every run of every port records them. */
interface CheckSeries {
  /** `{ service, check, result }` by result, for the results counter. */
  readonly results: Readonly<Record<CheckResult, MetricLabels>>;
  /** `{ service, check }`, for the duration histogram. */
  readonly check: MetricLabels;
}

/**
 * The reporter's own metrics (its plugins record theirs through the same {@link Metrics}). Every
 * label comes from the config directory — service, check and port names — never from discovery
 * or from a check's free-text reason, so the number of series stays bounded.
 */
export class ReporterMetrics {
  private readonly checkSeconds: HistogramMetric;
  private readonly checkResults: CounterMetric;
  private readonly healthy: GaugeMetric;
  private readonly registered: GaugeMetric;
  private readonly maintenance: GaugeMetric;
  /** The series of every check that has run, by service then check name. */
  private readonly series = new Map<string, Map<string, CheckSeries>>();
  /** The ports the gauges hold series for, and what they were set to, by `service\0port`. */
  private gauged = new Map<string, PortGauges>();

  constructor(readonly registry: Metrics) {
    this.checkSeconds = registry.histogram({
      name: 'lighthouse_reporter_check_duration_seconds',
      help: 'How long one run of a health check took (a timed-out run counts its timeout), by service and check.',
      labelNames: ['service', 'check'],
    });
    this.checkResults = registry.counter({
      name: 'lighthouse_reporter_check_results_total',
      help: 'Health check runs by service, check and result: pass, fail, timeout, error (the check threw, answered nonsense or could not be created).',
      labelNames: ['service', 'check', 'result'],
    });
    this.healthy = registry.gauge({
      name: 'lighthouse_reporter_port_healthy',
      help: "Whether every check of the service's port passes (1) or not (0), after rise and fall.",
      labelNames: ['service', 'port'],
    });
    this.registered = registry.gauge({
      name: 'lighthouse_reporter_registered',
      help: "Whether discovery has confirmed the port's registration (1) or the port is not registered (0).",
      labelNames: ['service', 'port'],
    });
    this.maintenance = registry.gauge({
      name: 'lighthouse_reporter_maintenance',
      help: 'Whether the port is in maintenance (lighthouse down) in the given mode: down (deregistered) or drain (registered to drain).',
      labelNames: ['service', 'port', 'mode'],
    });
  }

  /** One check run ended with `result`; `seconds` is how long `perform` took, if it ran. */
  checkRan(service: string, check: string, result: CheckResult, seconds: number | undefined): void {
    const series = this.seriesOf(service, check);
    this.checkResults.inc(series.results[result]);
    if (seconds !== undefined) this.checkSeconds.observe(seconds, series.check);
  }

  private seriesOf(service: string, check: string): CheckSeries {
    let checks = this.series.get(service);
    if (checks === undefined) {
      checks = new Map();
      this.series.set(service, checks);
    }
    let series = checks.get(check);
    if (series === undefined) {
      const labels = (result: CheckResult) => Object.freeze({ service, check, result });
      series = {
        results: {
          pass: labels('pass'),
          fail: labels('fail'),
          timeout: labels('timeout'),
          error: labels('error'),
        },
        check: Object.freeze({ service, check }),
      };
      checks.set(check, series);
      // Every series exists from the first run, so increase() sees the first failure.
      for (const other of RESULTS) this.checkResults.inc(series.results[other], 0);
    }
    return series;
  }

  /**
   * Sets the gauges of every port the reporter has; the series of ports gone are removed. Only
   * values that changed are set: the reporter calls this after every verdict change, and at
   * start-up 500 ports coming up one by one made it quadratic (a third of the start-up's CPU).
   */
  ports(ports: readonly GaugedPort[]): void {
    const gauged = new Map<string, PortGauges>();
    for (const status of ports) {
      const key = `${status.service}\0${status.port}`;
      const was = this.gauged.get(key);
      const labels = was?.labels ?? { service: status.service, port: String(status.port) };
      const now: PortGauges = {
        labels,
        healthy: status.healthy,
        registered: status.registered,
        mode: status.maintenance?.mode,
      };
      gauged.set(key, now);
      if (was?.healthy !== now.healthy) this.healthy.set(now.healthy ? 1 : 0, labels);
      if (was?.registered !== now.registered) this.registered.set(now.registered ? 1 : 0, labels);
      if (was === undefined || was.mode !== now.mode) {
        for (const mode of MODES)
          this.maintenance.set(now.mode === mode ? 1 : 0, { ...labels, mode });
      }
    }
    for (const [key, { labels }] of this.gauged) {
      if (gauged.has(key)) continue;
      this.healthy.remove(labels);
      this.registered.remove(labels);
      for (const mode of MODES) this.maintenance.remove({ ...labels, mode });
    }
    this.gauged = gauged;
  }
}
