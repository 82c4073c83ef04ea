import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  describeError,
  ErrorCode,
  LighthouseError,
  CoalescingTimer,
  noopMetrics,
  SerialQueue,
} from '@lighthouse/core';
import type {
  Balancer,
  BalancerReport,
  ClusterState,
  Logger,
  Metrics,
  Node,
} from '@lighthouse/core';
import { desiredState, withKnownNodes } from './desired.js';
import type { DesiredConfig } from './desired.js';
import { renderedAgentInters } from './agent-interval.js';
import { planSync } from './plan.js';
import type { Plan, PlanHistory } from './plan.js';
import { BalancerTelemetry } from './telemetry.js';
import type { Why } from './telemetry.js';
import { describeBalancer } from './describe.js';
import { capStderrLog } from './process/stderr-log.js';
import { HAProxyLifecycle } from './process/lifecycle.js';
import { cachePath, cacheText, loadCache } from './outage-cache.js';
import { renderedHash } from './render.js';
import { peersFingerprint } from './fingerprint.js';
import { readTextIfExists, writeFileAtomic } from './process/files.js';
import { HAProxyProcess } from './process/haproxy-process.js';
import { probeHAProxy, Watchdog } from './process/watchdog.js';
import type { RestartRequest } from './process/watchdog.js';
import { detectVersion, versionAtLeast } from './process/version.js';
import type { HAProxyVersion } from './process/version.js';
import { RuntimeApi } from './runtime/runtime-api.js';
import { liveServers } from './runtime-sync.js';
import { ServerChanges } from './server-changes.js';
import type { HAProxyClusterConfig, HAProxyConfig } from './schema.js';

/**
 * The haproxy balancer: converges the local HAProxy to the writer's clusters. Each sync renders
 * the desired config, reads `show servers state`, and lets the planner choose: runtime commands
 * (then the file is rewritten atomically so a later reload agrees, without reloading), or a
 * reload (candidate checked with `haproxy -c`, installed atomically, reloaded through the master
 * CLI, verified, at most one per restart_interval). A dead HAProxy is started again: by the next
 * sync, and between syncs by the watchdog (src/process/watchdog.ts), from the last synced config.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

/** What HAProxy was last given by this balancer (or, after a restart, by its predecessor). */
interface Applied {
  hash: string;
  structure: string;
  text: string;
  /** Fingerprint of the `peers` HAProxy runs: may lag `text` (peers alone reload later). */
  peers: string;
  /** The text's agent intervals by `<backend>/<server>`, read when first needed. */
  agentInters?: Map<string, string>;
}

/** Paths and settings derived from haproxy.yaml. */
export interface BalancerPaths {
  configFile: string;
  cacheFile: string;
  masterSocket: string;
  stderrFile: string;
}

/** Where the balancer keeps its files; `master_socket` defaults to `<socket_file>.master`. */
export function balancerPaths(config: HAProxyConfig): BalancerPaths {
  return {
    configFile: config.config_file,
    cacheFile: cachePath(config.config_file),
    masterSocket: config.master_socket ?? `${config.socket_file}.master`,
    stderrFile: `${config.config_file}.stderr.log`,
  };
}

class HAProxyBalancer implements Balancer<HAProxyClusterConfig> {
  private readonly paths: BalancerPaths;
  private readonly process: HAProxyProcess;
  private readonly runtime: RuntimeApi;
  private readonly dynamicServers: boolean;
  private readonly lifecycle: HAProxyLifecycle;
  private readonly peersReload: CoalescingTimer;
  /** Whether the last sync failed: its topology, not the last good one, may be running. */
  private lastSyncFailed = false;
  /** {@link cacheKey} of what the outage cache last recorded. */
  private cachedKey: string | undefined;
  /** The renderer's warnings of the last sync: each is logged when it appears, not every sync. */
  private warningsLogged = new Set<string>();
  /** The writer calls sync serially; this keeps it so for any other caller (1.0's B19). */
  private readonly queue = new SerialQueue();
  /** Tasks of the queue running now (a sync, a watchdog restart): the watchdog waits. */
  private active = 0;
  /** The config of the last successful sync: what the watchdog restarts HAProxy with. */
  private lastDesired: DesiredConfig | undefined;
  /** Started after the first successful sync (HAProxy started, taken over or adopted). */
  private watchdog: Watchdog | undefined;
  private closed = false;
  private readonly telemetry: BalancerTelemetry;
  /** What runtime batches leave behind: operator states, pending removals (server-changes.ts). */
  private readonly changes: ServerChanges;
  private stderrCheckedAt = 0;
  private readonly history: PlanHistory;

  constructor(
    private readonly config: HAProxyConfig,
    private readonly log: Logger,
    version: HAProxyVersion,
    private applied: Applied | undefined,
    private known: Map<string, readonly Node[]>,
    cachedKey: string | undefined,
    metrics: Metrics,
  ) {
    this.cachedKey = cachedKey;
    // One reload `peers_reload_delay` after the first change of peers: min = max, so changes
    // meanwhile join that window instead of pushing it back.
    const delayMs = (config.peers_reload_delay ?? 10) * 1000;
    this.peersReload = new CoalescingTimer({ minMs: delayMs, maxMs: delayMs }, () => {
      void this.serially(() => this.reloadForPeers()).catch((error: unknown) =>
        log.warn('the reload for changed peers failed; the next sync retries', {
          error: describeError(error),
        }),
      );
    });
    this.telemetry = new BalancerTelemetry(metrics);
    this.paths = balancerPaths(config);
    this.dynamicServers = versionAtLeast(version, 2, 6);
    this.runtime = new RuntimeApi(config.socket_file);
    this.changes = new ServerChanges({
      runtime: this.runtime,
      log,
      telemetry: this.telemetry,
      removalTimeoutMs: (config.removal_timeout ?? 30) * 1000,
      serially: (task) => this.queue.run(task),
    });
    this.history = {
      agentInter: (backend, server) => this.appliedAgentInter(backend, server),
      writerState: this.changes.writerState,
    };
    this.process = new HAProxyProcess({
      binary: config.haproxy_binary ?? 'haproxy',
      configFile: this.paths.configFile,
      pidFile: config.pid_file,
      masterSocket: this.paths.masterSocket,
      adminSocket: config.socket_file,
      stderrFile: this.paths.stderrFile,
    });
    this.lifecycle = new HAProxyLifecycle({
      config,
      paths: this.paths,
      process: this.process,
      runtime: this.runtime,
      log,
      telemetry: this.telemetry,
    });
  }

  /** The config text sync would install now (undiscovered clusters from the outage cache). */
  async render(clusters: readonly Cluster[]): Promise<string> {
    return this.desired(withKnownNodes(clusters, this.known, undefined)).render.text;
  }

  async sync(clusters: readonly Cluster[]): Promise<void> {
    try {
      await this.serially(() => this.syncNow(clusters));
      this.lastSyncFailed = false;
    } catch (error) {
      this.lastSyncFailed = true;
      throw error;
    }
    this.startWatchdog();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.changes.close();
    this.peersReload.close();
    await this.watchdog?.stop();
    this.runtime.reset();
  }

  /** What HAProxy runs now (`show servers state`), the reload history, the process facts. */
  async describe(): Promise<BalancerReport> {
    const pid = await this.process.runningPid();
    // Its own session, never the syncs' one: a status request must not hold up a sync (or be
    // cut off by the sync's reset).
    const status = new RuntimeApi(this.config.socket_file);
    const live =
      pid === undefined
        ? undefined
        : await liveServers(status, this.log).finally(() => status.reset());
    return describeBalancer({
      live,
      held: this.changes.held,
      reloads: this.telemetry.reloadHistory,
      facts: {
        pid: pid ?? 'not running',
        config_file: this.paths.configFile,
        pending_removals: this.changes.pendingRemovals,
      },
    });
  }

  /** Runs `task` on the serial queue, counted as activity (the watchdog skips its checks). */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.active++;
      try {
        return await task();
      } finally {
        this.active--;
      }
    });
  }

  private startWatchdog(): void {
    if (this.closed || this.watchdog !== undefined) return;
    this.watchdog = new Watchdog({
      probe: () =>
        probeHAProxy({
          pidFile: this.config.pid_file,
          configFile: this.paths.configFile,
          masterSocket: this.paths.masterSocket,
        }),
      restart: (request) => this.serially(() => this.restartNow(request)),
      busy: () => this.active > 0,
      log: this.log,
    });
    this.watchdog.start();
  }

  /**
   * The watchdog's restart, on the serial queue so it never races a sync: checks again (a sync
   * may have started HAProxy meanwhile), then starts HAProxy from the last synced config (the
   * path a sync takes), or replaces an unresponsive master the way a takeover does.
   */
  private async restartNow(request: RestartRequest): Promise<void> {
    const desired = this.lastDesired;
    if (this.closed || desired === undefined) return;
    // The directory of config_file gone means HAProxy was removed on purpose (or a test cleaned
    // up): starting one in a directory nobody owns any more would leave it running unmanaged.
    if (!(await isDirectory(dirname(this.paths.configFile)))) {
      this.log.error('not restarting HAProxy: the directory of config_file no longer exists', {
        config_file: this.paths.configFile,
      });
      return;
    }
    this.runtime.reset();
    const pid = await this.process.runningPid();
    const why: Why = { cause: 'watchdog', text: `watchdog: ${request.reason}` };
    if (pid === undefined) {
      await this.start(desired, why);
    } else if (pid === request.replacePid) {
      await this.reload(desired, why, pid, true);
    }
  }

  /**
   * One convergence. The no-op case (the 60 s safety net) costs two small file reads (PID file,
   * /proc cmdline), one `show servers state` and a render: no file write, no other command.
   */
  private async syncNow(clusters: readonly Cluster[]): Promise<void> {
    // A fresh admin session per sync (one connect, ~0.2 ms): a session opened before a reload
    // someone else did (an operator's `systemctl reload`) would still talk to the old worker,
    // read its stale state and keep it alive. Within a sync the session is reused.
    this.runtime.reset();
    const pid = await this.process.runningPid();
    const live = pid === undefined ? undefined : await liveServers(this.runtime, this.log);
    const desired = this.desired(withKnownNodes(clusters, this.known, live));
    this.logWarnings(desired.render.warnings);
    this.changes.seed(() => this.cachedDesired(clusters).backends);
    if (pid === undefined) {
      await this.start(desired, { cause: 'not-running', text: 'HAProxy was not running' });
    } else if (live === undefined) {
      this.refuseBlindReload(clusters);
      const text = 'the master runs but the admin socket does not answer';
      await this.reload(desired, { cause: 'admin-socket', text }, pid);
    } else {
      const plan = planSync(desired, this.applied?.structure, live, this.history);
      const refused = await this.changes.run(plan);
      const why = reloadWhy(plan, refused);
      if (why !== undefined) {
        await this.reload(desired, why, pid);
      } else {
        await this.dualWrite(desired);
        // Kept current after runtime changes too, not only before the writer's own reloads: a
        // reload by someone else (`systemctl reload`) then keeps a drain set since.
        if (plan.commands.length > 0) await this.lifecycle.saveServerState();
      }
    }
    await this.remember(desired);
    await this.capStderr();
  }

  /**
   * The desired state of the last applied topology (the outage cache), to seed the ledger after
   * a restart: the states the previous writer's nodes asked for are the writer's own. Only the
   * cached clusters: what discovery says now is not what the previous writer set.
   */
  private cachedDesired(clusters: readonly Cluster[]): DesiredConfig {
    const cached = clusters
      .filter((cluster) => this.known.has(cluster.name))
      .map((cluster) => ({ ...cluster, discovered: false }));
    return this.desired(withKnownNodes(cached, this.known, undefined));
  }

  /** Caps HAProxy's stderr file (checked at most every 10 s: a stat per sync is not needed). */
  private async capStderr(): Promise<void> {
    if (Date.now() - this.stderrCheckedAt < 10_000) return;
    this.stderrCheckedAt = Date.now();
    try {
      if (await capStderrLog(this.paths.stderrFile)) {
        this.log.info('capped HAProxy stderr log', { file: this.paths.stderrFile });
      }
    } catch (error) {
      this.log.warn('could not cap the HAProxy stderr log', { error: describeError(error) });
    }
  }

  /** The `agent-inter` of a server line in the file HAProxy loaded (see agent-interval.ts). */
  private readonly appliedAgentInter = (backend: string, server: string): string | undefined => {
    const applied = this.applied;
    if (applied === undefined) return undefined;
    applied.agentInters ??= renderedAgentInters(applied.text);
    return applied.agentInters.get(`${backend}/${server}`);
  };

  /**
   * Re-applies the runtime state the file cannot hold to a freshly started or reloaded HAProxy:
   * without a server_state_file every server comes up ready with its agent running, and even
   * with one, a server new in this file has no saved state. A drained node would otherwise take
   * new sessions until the next sync (up to the writer's safety-net interval). What does not
   * work is left to the next sync, which retries it: no second reload from here.
   */
  private async settle(desired: DesiredConfig): Promise<void> {
    this.changes.reloaded(desired.backends);
    let reason: string | undefined;
    try {
      const live = await liveServers(this.runtime, this.log);
      if (live === undefined) return;
      const plan = planSync(desired, this.applied?.structure, live, this.history);
      reason = (await this.changes.run(plan)) ?? plan.reload;
      // What was re-applied (a drain) must survive an outside reload too, like any runtime change.
      if (plan.commands.length > 0) await this.lifecycle.saveServerState();
    } catch (error) {
      reason = describeError(error);
    }
    if (reason === undefined) return;
    this.log.warn('could not re-apply the runtime state after the reload; the next sync retries', {
      reason,
    });
  }

  /**
   * Throws when a reload would empty backends only because nothing is known about them: HAProxy
   * runs, but its members could not be read (admin socket silent), and a cluster discovery has
   * not reported yet has no last applied or cached members. Rendering it would drop every server
   * HAProxy still routes to (lighthouse 1.0's B12); the writer retries the sync with back-off.
   */
  private refuseBlindReload(clusters: readonly Cluster[]): void {
    const unknown = clusters.filter((c) => !c.discovered && !this.known.has(c.name));
    if (unknown.length === 0) return;
    const names = unknown.map((c) => c.name).join(', ');
    throw new LighthouseError(
      ErrorCode.Unavailable,
      `not reloading HAProxy: its admin socket ${this.config.socket_file} does not answer and the members of ${names} are unknown (not discovered yet, not in the outage cache); a reload would empty their backends`,
    );
  }

  /**
   * Logs each of the renderer's warnings once, when it appears (a node's bad metadata, a skipped
   * node), not again on every safety-net sync: each names its cluster, node and value, so a
   * changed value is logged anew.
   */
  private logWarnings(warnings: readonly string[]): void {
    const current = new Set(warnings);
    for (const warning of current) if (!this.warningsLogged.has(warning)) this.log.warn(warning);
    this.warningsLogged = current;
  }

  private desired(clusters: readonly Cluster[]): DesiredConfig {
    return desiredState(this.config, clusters, { dynamicServers: this.dynamicServers });
  }

  /** Rewrites haproxy.cfg after runtime changes so a later reload keeps them (no reload now). */
  private async dualWrite(desired: DesiredConfig): Promise<void> {
    const running = this.applied?.peers ?? desired.peers;
    if (desired.render.text !== this.applied?.text) {
      await writeFileAtomic(this.paths.configFile, desired.render.text);
      this.applied = { ...this.appliedFrom(desired), peers: running };
    }
    if (running !== desired.peers) this.peersReload.touch();
  }

  /**
   * The reload a change of peers alone waits for (`peers_reload_delay` after the first such
   * change; those meanwhile share it): peers only shape stick-table replication, so membership
   * never waits for them. Skipped if a reload for another reason applied them meanwhile.
   */
  private async reloadForPeers(): Promise<void> {
    const desired = this.lastDesired;
    if (this.closed || desired === undefined || this.applied?.peers === desired.peers) return;
    // After a failed sync, the last good topology may be older than what runs (its runtime
    // commands went through): the writer's retry syncs again and asks for this reload anew.
    if (this.lastSyncFailed) return;
    const pid = await this.process.runningPid();
    if (pid === undefined) return; // the watchdog or the next sync starts it, peers included
    this.runtime.reset();
    await this.reload(desired, { cause: 'peers', text: 'the peers of a cluster changed' }, pid);
  }

  /** Installs `desired` and reloads (or takes over / replaces) HAProxy; see lifecycle.ts. */
  private async reload(desired: DesiredConfig, why: Why, pid: number, replace = false) {
    await this.lifecycle.reload(desired.render.text, why, pid, replace);
    this.applied = this.appliedFrom(desired);
    await this.settle(desired);
  }

  /**
   * Starts HAProxy. If `haproxy -c` refuses the candidate, HAProxy still starts, with the last
   * installed file (the last good state), and sync rejects with the refusal.
   */
  private async start(desired: DesiredConfig, why: Why): Promise<void> {
    const refused = await this.lifecycle.start(desired.render.text, why);
    this.applied = refused === undefined ? this.appliedFrom(desired) : undefined;
    if (refused !== undefined) throw refused;
    await this.settle(desired);
  }

  private appliedFrom(desired: DesiredConfig): Applied {
    const { render, structure, peers } = desired;
    return { hash: render.hash, structure, text: render.text, peers };
  }

  /**
   * Records the applied topology, in memory and in the outage cache. The cache is rewritten only
   * when the rendered body changed: encoding 10 k nodes costs more than the rest of a no-op sync,
   * and what is not rendered (other metadata) is not needed to serve during an outage.
   */
  private async remember(desired: DesiredConfig): Promise<void> {
    this.lastDesired = desired;
    this.known = new Map(desired.clusters.map((cluster) => [cluster.name, cluster.nodes]));
    const key = this.applied === undefined ? undefined : cacheKey(this.applied);
    if (this.applied === undefined || key === this.cachedKey) return;
    const text = cacheText({
      hash: this.applied.hash,
      structure: this.applied.structure,
      peers: this.applied.peers,
      clusters: new Map(desired.clusters.map((cluster) => [cluster.name, [...cluster.nodes]])),
    });
    try {
      await writeFileAtomic(this.paths.cacheFile, text);
      this.cachedKey = key;
    } catch (error) {
      this.log.warn('could not write the outage cache', {
        file: this.paths.cacheFile,
        error: describeError(error),
      });
    }
  }
}

/**
 * Creates the balancer: checks the HAProxy binary (missing or older than 2.0 → Unavailable),
 * reads the outage cache, and trusts the running HAProxy's structure only if the config file on
 * disk is the one the cache describes (otherwise the first sync reloads, to be sure).
 */
export async function createBalancer(
  config: HAProxyConfig,
  log: Logger,
  metrics: Metrics = noopMetrics,
): Promise<Balancer<HAProxyClusterConfig>> {
  const version = await detectVersion(config.haproxy_binary ?? 'haproxy');
  const paths = balancerPaths(config);
  const cache = await loadCache(paths.cacheFile, log);
  const onDisk = await readTextIfExists(paths.configFile);
  const applied =
    cache !== undefined && onDisk !== undefined && renderedHash(onDisk) === cache.hash
      ? {
          hash: cache.hash,
          structure: cache.structure,
          text: onDisk,
          peers: cache.peers ?? peersFingerprint(onDisk),
        }
      : undefined;
  if (!versionAtLeast(version, 2, 6)) {
    log.warn(
      'this HAProxy cannot add or delete servers at runtime: every membership change reloads',
      {
        haproxy: version.text,
        fix: 'HAProxy 2.6 or later (see docs/haproxy-versions.md)',
      },
    );
  }
  log.debug('haproxy balancer ready', {
    haproxy: version.text,
    cachedClusters: cache?.clusters.size ?? 0,
    trustsRunningConfig: applied !== undefined,
  });
  const known = cache?.clusters ?? new Map<string, Node[]>();
  const key = applied === undefined ? undefined : cacheKey(applied);
  return new HAProxyBalancer(config, log, version, applied, known, key, metrics);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** Why a sync must reload after its commands: the planner's reason, or a refused command. */
function reloadWhy(plan: Plan, refused: string | undefined): Why | undefined {
  if (plan.reload !== undefined) return { cause: plan.cause ?? 'structure', text: plan.reload };
  return refused === undefined ? undefined : { cause: 'runtime-refused', text: refused };
}

/** What the outage cache records of the applied config: a change of either rewrites it. */
function cacheKey(applied: Applied): string {
  return `${applied.hash} ${applied.peers}`;
}
