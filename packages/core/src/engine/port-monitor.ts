import { isDeepStrictEqual } from 'node:util';
import type { Check } from '../contracts/check.js';
import type { Metrics } from '../contracts/metrics.js';
import type { ServiceCheckConfig, ServiceConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import { RiseFall } from '../health/rise-fall.js';
import { debugFor } from '../log.js';
import type { Logger } from '../log.js';
import { noopMetrics } from '../metrics/noop.js';
import { instantiate } from './instantiate.js';
import { classifiedCheck } from './run-check.js';
import type { CheckOutcome, CheckResult } from './run-check.js';

const trace = debugFor('core:engine:checks');

/** What `status()` reports for one check of one port. */
export interface CheckStatus {
  name: string;
  passing: boolean;
  /** The latest run, if any: outcome, reason and when (epoch ms). */
  last?: CheckOutcome & { at: number };
}

/** What `status()` reports for one (service, port). */
export interface PortStatus {
  service: string;
  port: number;
  healthy: boolean;
  checks: CheckStatus[];
}

/** Where a monitor reports its check runs, and the metrics its checks' contexts get. */
export interface CheckTelemetry {
  readonly registry: Metrics;
  /** One run ended; `seconds` is how long `perform` took (undefined: it could not run). */
  checkRan(service: string, check: string, result: CheckResult, seconds: number | undefined): void;
}

const noTelemetry: CheckTelemetry = { registry: noopMetrics, checkRan: () => undefined };

/**
 * Rounds start on a grid of this many milliseconds of the clock (the nearest line to when they
 * are due): the rounds of all ports due within one slot share one wake-up of the process, and
 * their connections complete together. Spread freely, 500 ports at 1 s woke the reporter ~180
 * times a second and it used more CPU than on the grid (at most 20 wake-ups a second, a round
 * starting at most 25 ms off its interval: `bench/reporter.bench.mjs`).
 */
export const ROUND_SLOT_MS = 50;

/** The delay until the slot line nearest to `delayMs` from now (never in the past). */
export function slotDelay(delayMs: number, now = Date.now()): number {
  const line = Math.round((now + delayMs) / ROUND_SLOT_MS) * ROUND_SLOT_MS;
  return Math.max(0, line - now);
}

interface MonitoredCheck {
  config: ServiceCheckConfig;
  /** Undefined until `create` succeeded; creation is retried every round. */
  instance?: Check;
  state: RiseFall;
  last?: CheckOutcome & { at: number };
}

/**
 * Health-checks one port of one service on its own timer. Rounds never overlap (1.0 queued a new
 * round every interval even when the last one hung, bug B18): the next round starts one interval
 * after the previous one started, or at once if it overran. The port is healthy when every check
 * passes; only a change of that verdict is reported, and logged (see {@link logRound}).
 *
 * One `setTimeout` per port is deliberate: Node gives every timer set in the same turn of the
 * event loop the same start, so ports whose rounds end together start together next time and a
 * reporter's rounds gather into a few bursts a second by themselves (500 ports at 1 s: ~15–20),
 * which is what makes them cheap; a shared timer on a fixed grid measured dearer (bench/reporter).
 */
export class PortMonitor {
  private checks = new Map<string, MonitoredCheck>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastStart = 0;
  private verdict = false;
  /** The verdict last logged; undefined until the port's first verdict. */
  private logged: boolean | undefined;
  private readonly stopped = new AbortController();

  constructor(
    private service: ServiceConfig,
    readonly port: number,
    private readonly logger: Logger,
    private readonly onChange: (healthy: boolean) => void,
    private readonly telemetry: CheckTelemetry = noTelemetry,
  ) {
    for (const check of service.checks) this.checks.set(check.name, this.monitored(check, false));
  }

  get healthy(): boolean {
    return this.verdict;
  }

  /** Starts checking after `initialDelayMs` (the reporter spreads ports over the first second). */
  start(initialDelayMs = 0): void {
    this.schedule(initialDelayMs);
  }

  /**
   * Applies a new version of the service file. Checks keep their rise/fall state and the port its
   * verdict (1.0 reset them and drained healthy nodes on every touch, bug B16); a removed check
   * stops running (1.0 kept it, B17); a new check starts with the port's current verdict.
   */
  async reconfigure(service: ServiceConfig): Promise<void> {
    const intervalChanged = service.interval !== this.service.interval;
    const targetChanged = service.host !== this.service.host;
    this.service = service;
    const next = new Map<string, MonitoredCheck>();
    const disposals: Promise<void>[] = [];
    for (const config of service.checks) {
      const existing = this.checks.get(config.name);
      if (existing === undefined) {
        next.set(config.name, this.monitored(config, this.verdict));
        continue;
      }
      existing.state.retune(config.rise, config.fall);
      const sameCheck =
        !targetChanged &&
        existing.config.plugin === config.plugin &&
        isDeepStrictEqual(existing.config.config, config.config);
      if (!sameCheck && existing.instance !== undefined) {
        disposals.push(dispose(existing.instance, this.logger));
        delete existing.instance;
      }
      existing.config = config;
      next.set(config.name, existing);
    }
    for (const [name, removed] of this.checks) {
      if (!next.has(name) && removed.instance !== undefined)
        disposals.push(dispose(removed.instance, this.logger));
    }
    this.checks = next;
    await Promise.all(disposals);
    if (intervalChanged && this.running === undefined && !this.stopped.signal.aborted) {
      clearTimeout(this.timer);
      this.schedule(Math.max(0, this.lastStart + service.interval * 1000 - Date.now()));
    }
  }

  /** Stops the timer, aborts a running round and disposes every check. */
  async stop(): Promise<void> {
    this.stopped.abort();
    clearTimeout(this.timer);
    await this.running;
    await Promise.all(
      [...this.checks.values()].map((check) =>
        check.instance === undefined ? undefined : dispose(check.instance, this.logger),
      ),
    );
  }

  status(): PortStatus {
    return {
      service: this.service.name,
      port: this.port,
      healthy: this.verdict,
      checks: [...this.checks.entries()].map(([name, check]) => ({
        name,
        passing: check.state.passing,
        ...(check.last === undefined ? {} : { last: check.last }),
      })),
    };
  }

  private monitored(config: ServiceCheckConfig, passing: boolean): MonitoredCheck {
    return { config, state: new RiseFall(config.rise, config.fall, passing) };
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
      });
    }, slotDelay(delayMs));
  }

  private async round(): Promise<void> {
    this.lastStart = Date.now();
    const turned = await Promise.all([...this.checks.values()].map((check) => this.runOne(check)));
    if (this.stopped.signal.aborted) return;
    const healthy =
      this.checks.size > 0 && [...this.checks.values()].every((check) => check.state.passing);
    this.logRound(
      healthy,
      turned.filter((check) => check !== undefined),
    );
    if (healthy !== this.verdict) {
      this.verdict = healthy;
      this.onChange(healthy);
    }
    this.schedule(Math.max(0, this.lastStart + this.service.interval * 1000 - Date.now()));
  }

  /**
   * Logs the port's first verdict and each change of it, once, naming the checks that caused it
   * with their reasons: `cache:6379 unhealthy: redis -> connection refused`. The first verdict
   * is the first round where the port is healthy or a check's latest run failed (a port whose
   * checks pass but have not reached `rise` yet is still coming up). A check that turned
   * (passing or not) without changing the verdict gets a line of its own.
   */
  private logRound(healthy: boolean, turned: readonly MonitoredCheck[]): void {
    // The usual round: the verdict stays what was logged and no check turned.
    if (turned.length === 0 && this.logged === healthy) return;
    const checks = [...this.checks.values()];
    const failed = (check: MonitoredCheck): boolean =>
      !check.state.passing && check.last?.ok === false;
    const decided =
      this.logged === undefined ? healthy || checks.some(failed) : healthy !== this.logged;
    let named: MonitoredCheck[] = [];
    if (decided) {
      const first = this.logged === undefined;
      const causes = healthy
        ? turned.filter((check) => check.state.passing)
        : first
          ? checks.filter(failed)
          : turned.filter((check) => !check.state.passing);
      // No check turned (a failing check was removed, say): name every check that decides.
      named =
        causes.length > 0 ? causes : checks.filter((check) => check.state.passing === healthy);
      this.logged = healthy;
      this.logVerdict(healthy, named);
    }
    for (const check of turned) if (!named.includes(check)) this.logTurn(check);
  }

  private logVerdict(healthy: boolean, causes: readonly MonitoredCheck[]): void {
    const cause = (check: MonitoredCheck): string =>
      `${check.config.name} -> ${check.last?.reason ?? (healthy ? 'ok' : 'failed')}`;
    const [first] = causes;
    const reason = first?.last?.reason;
    const fields = {
      service: this.service.name,
      port: this.port,
      healthy,
      ...(first === undefined ? {} : { check: first.config.name }),
      ...(reason === undefined ? {} : { reason }),
    };
    const message = `${this.service.name}:${this.port} ${healthy ? 'healthy' : 'unhealthy'}`;
    const because = causes.length === 0 ? '' : `: ${causes.map(cause).join('; ')}`;
    if (healthy) this.logger.info(`${message}${because}`, fields);
    else this.logger.warn(`${message}${because}`, fields);
  }

  /** One check turned passing or failing while the port's verdict stayed. */
  private logTurn(check: MonitoredCheck): void {
    const { config, last } = check;
    const fields = {
      service: this.service.name,
      port: this.port,
      check: config.name,
      ...(last?.reason === undefined ? {} : { reason: last.reason }),
    };
    if (check.state.passing)
      this.logger.info(`check passed ${config.rise} time(s), now passing`, fields);
    else this.logger.warn(`check failed ${config.fall} time(s), no longer passing`, fields);
  }

  /**
   * The check's instance, created on first use within the check's timeout (a hung `create` must
   * not freeze the port's verdict or block shutdown); a failure reason; or undefined when the
   * check was reconfigured meanwhile, so this round records nothing for it.
   */
  private async instanceOf(check: MonitoredCheck): Promise<Check | { reason: string } | undefined> {
    if (check.instance !== undefined) return check.instance;
    const { config } = check;
    const created = await instantiate({
      kind: 'checks',
      name: config.name,
      logger: this.logger,
      metrics: this.telemetry.registry,
      create: (context) =>
        config.plugin.create(config.config, {
          ...context,
          target: { host: this.service.host, port: this.port },
          service: this.service.name,
        }),
      release: (late) => dispose(late, this.logger),
      timeoutMs: config.timeout * 1000,
      stop: this.stopped.signal,
    });
    if (!created.ok) {
      // A create that failed for a config edited meanwhile says nothing about the new one.
      return check.config === config
        ? { reason: `could not create the check: ${created.reason}` }
        : undefined;
    }
    if (check.config !== config || this.stopped.signal.aborted) {
      await dispose(created.value, this.logger);
      return undefined;
    }
    check.instance = created.value;
    return created.value;
  }

  /** Runs one check once; returns it when this run made it turn (passing, or not any more). */
  private async runOne(check: MonitoredCheck): Promise<MonitoredCheck | undefined> {
    const { config } = check;
    const instance = check.instance ?? (await this.instanceOf(check));
    if (instance === undefined) return undefined;
    const started = performance.now();
    const { outcome, result } =
      'perform' in instance
        ? await classifiedCheck(instance, config.timeout * 1000, this.stopped.signal)
        : { outcome: { ok: false, reason: instance.reason }, result: 'error' as const };
    // Stopped, or the check was reconfigured during the run (its old instance disposed): the
    // result says nothing about the check as it is now.
    if (this.stopped.signal.aborted || ('perform' in instance && check.instance !== instance))
      return undefined;
    if (result !== undefined) {
      const seconds = 'perform' in instance ? (performance.now() - started) / 1000 : undefined;
      this.telemetry.checkRan(this.service.name, config.name, result, seconds);
    }
    if (trace.enabled)
      trace(
        '%s:%d %s -> %s',
        this.service.name,
        this.port,
        config.name,
        outcome.ok ? 'ok' : (outcome.reason ?? 'failed'),
      );
    check.last = { ...outcome, at: Date.now() };
    return check.state.record(outcome.ok) ? check : undefined;
  }
}

async function dispose(check: Check, logger: Logger): Promise<void> {
  try {
    await check.dispose?.();
  } catch (error) {
    logger.warn('a check failed to dispose', { error: describeError(error) });
  }
}
