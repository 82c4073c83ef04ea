import { isDeepStrictEqual } from 'node:util';
import type { ServiceConfig } from '../config/types.js';
import type { ConfigChange, ConfigWatcher } from '../config/index.js';
import type { Metrics } from '../contracts/metrics.js';
import type { PluginResolver } from '../contracts/resolver.js';
import { hostProblem, ipProblem } from '../model/names.js';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics/registry.js';
import type { Logger, LogSink } from '../log.js';
import { defaultAdvertisedHost, defaultAdvertisedIp } from './advertise.js';
import type { Advertised } from './advertise.js';
import { LoggingControl } from './logging-control.js';
import { DiscoveryPool } from './discovery-pool.js';
import { PortMonitor } from './port-monitor.js';
import { RegistrationPublisher } from './registration-publisher.js';
import { applySharedChange, followConfigDir } from './follow-config.js';
import { effectiveMaintenance } from '../maintenance/index.js';
import type { MaintenanceEntry, MaintenanceState } from '../maintenance/index.js';
import type { PortHealth } from './health-proxy.js';
import { ReporterMetrics } from './reporter-metrics.js';
import { ReporterSettings } from './reporter-settings.js';
import { ServiceAgents } from './service-agents.js';
import { agentStateOf, healthOf } from './port-views.js';
import type { ReporterPortStatus } from './port-views.js';
export type { ReporterPortStatus } from './port-views.js';

/** Options of {@link Reporter}. Only `configDir` and `resolver` are required. */
export interface ReporterOptions {
  configDir: string;
  resolver: PluginResolver;
  logger?: Logger;
  /** The sink behind `logger`, so `logging.yaml` can change level and format live. */
  logSink?: LogSink;
  /** What to advertise; defaults to the host name and first non-loopback address. */
  advertise?: Partial<Advertised>;
  /** How long `stop()` waits for discovery to confirm deregistrations. Default 5 s. */
  stopTimeoutMs?: number;
  /** The state directory when `reporter.yaml` sets none. Default `/var/lib/lighthouse`. */
  stateDir?: string;
  /**
   * Where the reporter and its plugins record metrics; `reporter.yaml`'s `metrics.listen` serves
   * it when it is a `createMetrics()` registry. Default: a registry of its own (without the
   * process metrics, which the host collects once per process).
   */
  metrics?: Metrics;
}

/** What the reporter tells `lighthouse status` (its control socket) and embedders. */
export interface ReporterStatus {
  daemon: 'reporter';
  pid: number;
  advertised: Advertised;
  stateDir: string;
  ports: ReporterPortStatus[];
  maintenance: MaintenanceState;
}

/** How long a replaced discovery session stays open while registrations move to its successor. */
const HANDOFF_TIMEOUT_MS = 10_000;

interface ServiceState {
  config: ServiceConfig;
  monitors: Map<number, PortMonitor>;
}

/**
 * The reporter engine: health-checks the services this machine provides and keeps discovery
 * registrations equal to "healthy" (desired state plus a reconciler). Usable without the CLI.
 */
export class Reporter {
  private readonly logger: Logger;
  private readonly services = new Map<string, ServiceState>();
  private readonly pool: DiscoveryPool;
  private readonly registrations: RegistrationPublisher;
  private readonly logging: LoggingControl;
  private readonly advertised: Advertised;
  private readonly settings: ReporterSettings;
  private readonly agents: ServiceAgents;
  private readonly metrics: ReporterMetrics;
  /** A gauge update is scheduled for the next turn of the event loop. */
  private gaugesDue = false;
  private watcher: ConfigWatcher | undefined;
  /** Set by stop(): no check result may register anything any more. */
  private stopping = false;

  constructor(private readonly options: ReporterOptions) {
    this.logger = options.logger ?? silentLogger;
    this.logging = new LoggingControl(options.logSink);
    this.advertised = {
      host: options.advertise?.host ?? defaultAdvertisedHost(),
      ip: options.advertise?.ip ?? defaultAdvertisedIp() ?? '',
    };
    this.metrics = new ReporterMetrics(options.metrics ?? createMetrics({ defaultMetrics: false }));
    const registry = this.metrics.registry;
    this.registrations = new RegistrationPublisher(
      (name) => this.pool.get(name),
      this.logger,
      () => this.gauges(),
    );
    this.agents = new ServiceAgents(
      this.logger,
      (service) => this.refreshService(service),
      registry,
    );
    this.settings = new ReporterSettings({
      logger: this.logger,
      metrics: registry,
      ...(options.stateDir === undefined ? {} : { defaultStateDir: options.stateDir }),
      onMaintenance: () => this.refreshAll(),
      ports: () => this.health(),
      status: () => this.report(),
    });
    this.pool = new DiscoveryPool(
      this.logger,
      async (name, connected) => {
        // Not connected yet: publish now, and the plugin converges once its session is up.
        if (!connected) return this.registrations.refresh(name);
        if (!(await this.registrations.handOver(name, HANDOFF_TIMEOUT_MS))) {
          this.logger.warn('registrations not all moved to the new discovery session in time', {
            discovery: name,
          });
        }
      },
      registry,
    );
  }

  /** Loads the config directory, starts checking, and keeps following the directory. */
  async start(): Promise<void> {
    const problem = this.advertiseProblem(this.advertised);
    if (problem !== undefined) {
      this.logger.error(
        `cannot advertise this machine (${problem}): services without their own advertise host and ip will not be registered; pass --advertise-host/--advertise-ip`,
      );
    }
    this.watcher = await followConfigDir({
      dir: this.options.configDir,
      daemon: 'reporter',
      kinds: ['logging', 'reporter', 'discovery', 'services'],
      resolver: this.options.resolver,
      logger: this.logger,
      metrics: this.metrics.registry,
      apply: (change) => this.apply(change),
    });
    if (!this.settings.applied) await this.settings.apply(undefined);
    this.logger.info('reporter started', {
      services: this.services.size,
      host: this.advertised.host,
      ip: this.advertised.ip,
    });
  }

  /**
   * Stops checking, deregisters everything, closes discovery sessions. Deregistration starts at
   * once, alongside stopping the checks: a check stuck in its timeout must not delay it.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.watcher?.close();
    const monitors = [...this.services.values()].flatMap((state) => [...state.monitors.values()]);
    await Promise.all([
      ...monitors.map((monitor) => monitor.stop()),
      this.registrations.drain(this.options.stopTimeoutMs ?? 5_000),
    ]);
    await Promise.all([this.pool.closeAll(), this.settings.close(), this.agents.closeAll()]);
    this.logger.info('reporter stopped');
  }

  /** Every (service, port) with its checks, registration and maintenance, sorted. */
  status(): ReporterPortStatus[] {
    return [...this.services.values()]
      .flatMap((state) => this.portStatuses(state))
      .sort((a, b) => (a.service === b.service ? a.port - b.port : a.service < b.service ? -1 : 1));
  }

  /** The ports of one service, by port. */
  private portStatuses(state: ServiceState): ReporterPortStatus[] {
    return [...state.monitors.values()]
      .map((monitor) => {
        const port = monitor.status();
        const maintenance = this.maintenanceOf(port.service, port.port);
        return {
          ...port,
          registered: this.registrations.isRegistered(registrationKey(port.service, port.port)),
          ...(maintenance === undefined ? {} : { maintenance }),
        };
      })
      .sort((a, b) => a.port - b.port);
  }

  /** The whole picture: every port's checks, registration and maintenance, and the entries. */
  report(): ReporterStatus {
    return {
      daemon: 'reporter',
      pid: process.pid,
      advertised: this.advertised,
      stateDir: this.settings.stateDir,
      ports: this.status(),
      maintenance: this.settings.maintenance,
    };
  }

  /**
   * Applies one config change. `start()` feeds the watcher's changes here one at a time; an
   * embedder that feeds its own changes instead must await each call before the next.
   */
  async apply(change: ConfigChange): Promise<void> {
    const entry = change.type === 'remove' ? change.previous : change.entry;
    if (entry.kind === 'reporter') {
      const peer = this.settings.peer;
      await this.settings.apply(change.type === 'remove' ? undefined : entry.value);
      if (!isDeepStrictEqual(peer, this.settings.peer)) this.refreshAll();
      return;
    }
    // Without reporter.yaml, the defaults apply before any service can register: a service in
    // maintenance must never be registered for a moment at start-up.
    if (!this.settings.applied) await this.settings.apply(undefined);
    if (await applySharedChange(change, this.logging, this.pool)) return;
    if (entry.kind !== 'services') return;
    if (change.type !== 'add')
      await this.removeService(
        change.previous.name,
        change.type === 'update' ? entry.name : undefined,
      );
    if (change.type !== 'remove') await this.upsertService(entry.value);
    this.gauges();
  }

  /** Adds a service, or reconfigures the one that kept its name (ports, checks, interval, agent). */
  private async upsertService(config: ServiceConfig): Promise<void> {
    const state = this.services.get(config.name) ?? {
      config,
      monitors: new Map<number, PortMonitor>(),
    };
    state.config = config;
    this.services.set(config.name, state);
    for (const [port, monitor] of state.monitors) {
      if (config.ports.includes(port)) void monitor.reconfigure(config);
      else {
        state.monitors.delete(port);
        this.registrations.unwant(registrationKey(config.name, port));
        void monitor.stop();
      }
    }
    const spread = Math.min(config.interval * 1000, 1000);
    for (const port of config.ports) {
      if (state.monitors.has(port)) {
        this.updateWanted(config, port, state.monitors.get(port)?.healthy === true);
        continue;
      }
      const monitor = new PortMonitor(
        config,
        port,
        this.logger,
        (healthy) => {
          this.updateWanted(state.config, port, healthy);
          this.gauges();
        },
        this.metrics,
      );
      state.monitors.set(port, monitor);
      monitor.start(Math.random() * spread);
    }
    await this.agents.set(config);
  }

  /**
   * Removes a service (file deleted, or renamed via `name:`). When `keepName` equals the old name
   * the monitors stay for `upsertService` to reconfigure, so an edit never drains a healthy port.
   */
  private async removeService(name: string, keepName: string | undefined): Promise<void> {
    if (keepName === name) return;
    const state = this.services.get(name);
    if (state === undefined) return;
    this.services.delete(name);
    for (const port of state.monitors.keys())
      this.registrations.unwant(registrationKey(name, port));
    await Promise.all([
      ...[...state.monitors.values()].map((monitor) => monitor.stop()),
      this.agents.remove(name),
    ]);
  }

  /**
   * Desired registration = healthy ∧ not down for maintenance; a port in drain maintenance stays
   * registered with `state: drain` in its metadata, which writers turn into HAProxy's drain.
   */
  private updateWanted(config: ServiceConfig, port: number, healthy: boolean): void {
    const key = registrationKey(config.name, port);
    if (this.stopping) return;
    this.tellAgent(config.name);
    const maintenance = this.maintenanceOf(config.name, port);
    if (!healthy || maintenance?.mode === 'down') {
      this.registrations.unwant(key);
      return;
    }
    const host = config.advertise?.host ?? this.advertised.host;
    const ip = config.advertise?.ip ?? this.advertised.ip;
    const problem = this.advertiseProblem({ host, ip });
    if (problem !== undefined) {
      // Registering loopback or a name other machines' decoders reject is worse than nothing.
      this.logger.error(`not registering: ${problem}`, { service: config.name, port });
      return;
    }
    const metadata = {
      ...config.metadata,
      ...this.agents.metadata(config.name),
      ...(maintenance?.mode === 'drain' ? { state: 'drain' } : {}),
    };
    const peer = this.settings.peer;
    this.registrations.want(key, config.discovery, {
      service: config.name,
      node: {
        host,
        ip,
        port,
        metadata,
        // lighthouse 1.0's peer: this machine's HAProxy, for stick-table replication (opt-in).
        ...(peer === undefined
          ? {}
          : { peer: { name: peer.name ?? host, ip: peer.ip ?? ip, port: peer.port } }),
      },
    });
  }

  /** Maintenance changed (or lapsed): every port's desired registration is decided again. */
  private refreshAll(): void {
    for (const name of this.services.keys()) this.refreshService(name);
    this.gauges();
  }

  /**
   * Sets the per-port gauges (healthy, registered, maintenance) from the live state, once for
   * all the changes of one turn of the event loop: ports whose checks ran together change
   * together, and each update looks at every port.
   */
  private gauges(): void {
    if (this.gaugesDue) return;
    this.gaugesDue = true;
    setImmediate(() => {
      this.gaugesDue = false;
      this.metrics.ports(this.status());
    }).unref();
  }

  private refreshService(name: string): void {
    const state = this.services.get(name);
    if (state === undefined) return;
    for (const [port, monitor] of state.monitors)
      this.updateWanted(state.config, port, monitor.healthy);
  }

  /** Tells the service's agent (if any) its ports' verdicts and maintenance. */
  private tellAgent(name: string): void {
    const state = this.services.get(name);
    if (state !== undefined) this.agents.update(name, this.portStatuses(state).map(agentStateOf));
  }

  private maintenanceOf(service: string, port: number): MaintenanceEntry | undefined {
    return effectiveMaintenance(this.settings.maintenance.entries, service, port, Date.now());
  }

  /** What the health proxy answers from: each port's verdict, reason and maintenance. */
  private health(): PortHealth[] {
    return this.status().map(healthOf);
  }

  /** Why `advertised` cannot be registered (no address found, an invalid name), if it cannot. */
  private advertiseProblem(advertised: Advertised): string | undefined {
    if (advertised.ip === '') return 'this machine has no non-loopback address to advertise';
    return hostProblem(advertised.host) ?? ipProblem(advertised.ip);
  }
}

function registrationKey(service: string, port: number): string {
  return `${service}:${port}`;
}
