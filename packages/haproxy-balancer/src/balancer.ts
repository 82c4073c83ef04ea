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
import { DesiredMemo, desiredState, unknownClusters, withKnownNodes } from './desired.js';
import type { DesiredConfig } from './desired.js';
import { AppliedFiles, appliedFrom, holdsRender } from './applied-files.js';
import type { AppliedConfig } from './applied-files.js';
import { renderedAgentInters } from './agent-interval.js';
import { planSync, reloadWhy } from './plan.js';
import type { Plan, PlanHistory } from './plan.js';
import { ChangeTracker, scoped } from './sync-scope.js';
import { BalancerTelemetry } from './telemetry.js';
import type { Why } from './telemetry.js';
import { describeBalancer } from './describe.js';
import { StderrLogCap } from './process/stderr-log.js';
import { WarningsOnce } from './warnings-once.js';
import { HAProxyLifecycle } from './process/lifecycle.js';
import { loadCache } from './outage-cache.js';
import { balancerPaths } from './paths.js';
import type { BalancerPaths } from './paths.js';
import { renderedHash } from './render.js';
import { peersFingerprint } from './fingerprint.js';
import { isDirectory, readTextIfExists } from './process/files.js';
import { HAProxyProcess } from './process/haproxy-process.js';
import { probeHAProxy, Watchdog } from './process/watchdog.js';
import type { RestartRequest } from './process/watchdog.js';
import { detectVersion, versionAtLeast } from './process/version.js';
import type { HAProxyVersion } from './process/version.js';
import { RuntimeApi } from './runtime/runtime-api.js';
import { liveServers } from './runtime-sync.js';
import type { LiveState } from './runtime-sync.js';
import { ServerChanges } from './server-changes.js';
import type { HAProxyClusterConfig, HAProxyConfig } from './schema.js';

/**
 * The haproxy balancer: converges the local HAProxy to the writer's clusters. Each sync renders
 * the desired config, reads `show servers state`, and lets the planner choose: runtime commands
 * (then the file is rewritten atomically so a later reload agrees, without reloading), or a
 * reload (candidate checked with `haproxy -c`, installed atomically, reloaded through the master
 * CLI, verified, at most one per restart_interval). A dead HAProxy is started again: by the next
 * sync, and between syncs by the watchdog (src/process/watchdog.ts), from the last synced config.
 *
 * A sync costs work in proportion to the change (issue 10): unchanged clusters keep their
 * rendered backends (cluster-memo.ts), and only the changed clusters' backends are read and
 * planned, unless the sync must look at everything (see sync-scope.ts).
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

/** What HAProxy was last given by this balancer (or, after a restart, by its predecessor). */
interface Applied extends AppliedConfig {
  /** The text's agent intervals by `<backend>/<server>`, read when first needed. */
  agentInters?: Map<string, string>;
}

export { balancerPaths } from './paths.js';
export type { BalancerPaths } from './paths.js';

class HAProxyBalancer implements Balancer<HAProxyClusterConfig> {
  private readonly paths: BalancerPaths;
  private readonly process: HAProxyProcess;
  private readonly runtime: RuntimeApi;
  private readonly dynamicServers: boolean;
  private readonly lifecycle: HAProxyLifecycle;
  private readonly peersReload: CoalescingTimer;
  /** Whether the last sync failed: its topology, not the last good one, may be running. */
  private lastSyncFailed = false;
  /** The renderer's warnings: each is logged when it appears, not every sync. */
  private readonly warnings: WarningsOnce;
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
  private readonly stderrCap: StderrLogCap;
  private readonly history: PlanHistory;
  /** Rendered backends and traits of unchanged clusters, reused by the next sync. */
  private readonly memo = new DesiredMemo();
  /** What the last sync converged: the next one looks at the changed clusters only. */
  private readonly tracker = new ChangeTracker();
  /** haproxy.cfg and the outage cache, written in the background. */
  private readonly files: AppliedFiles;

  constructor(
    private readonly config: HAProxyConfig,
    private readonly log: Logger,
    version: HAProxyVersion,
    private applied: Applied | undefined,
    private known: ReadonlyMap<string, readonly Node[]>,
    metrics: Metrics,
  ) {
    this.paths = balancerPaths(config);
    this.files = new AppliedFiles(this.paths, log, applied);
    this.warnings = new WarningsOnce(log);
    this.stderrCap = new StderrLogCap(this.paths.stderrFile, log);
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
    await this.flush();
  }

  /** Resolves once haproxy.cfg and the outage cache hold what the last sync applied. */
  readonly flush = (): Promise<void> => this.files.flush();

  /** What HAProxy runs now (`show servers state`), the reload history, the process facts. */
  async describe(): Promise<BalancerReport> {
    const pid = await this.process.runningPid();
    // Its own session, never the syncs' one: a status request must not hold up a sync (or be
    // cut off by the sync's reset).
    const status = new RuntimeApi(this.config.socket_file);
    const live =
      pid === undefined
        ? undefined
        : (await liveServers(status, this.log).finally(() => status.reset()))?.servers;
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
   * /proc cmdline), one `show servers state` and a render: no file write, no other command. A
   * change costs one `show servers state <backend>` per changed cluster, their render and plan,
   * their commands, then the file writes.
   */
  private async syncNow(clusters: readonly Cluster[]): Promise<void> {
    // The admin session is kept between syncs (closed after a second idle): a session from
    // before a reload someone else did (an operator's `systemctl reload`) still talks to the old
    // worker, which the first read notices (RuntimeApi.workerAndServers) and leaves.
    const pid = await this.process.runningPid();
    const { changed, checkedAllAt, worker } = this.tracker.begin(clusters, pid);
    // A sync that looks at everything renders everything afresh too: a caller that broke the
    // contract (mutated a node list in place) is caught up with here.
    if (changed === undefined) this.memo.clear();
    let desired = this.desired(withKnownNodes(clusters, this.known, undefined));
    let scope =
      changed !== undefined && desired.structure === this.applied?.structure
        ? [...changed].filter((name) => desired.backends.has(name))
        : undefined;
    let live = pid === undefined ? undefined : await liveServers(this.runtime, this.log, scope);
    if (scope !== undefined && live !== undefined && live.worker !== worker) {
      // Reloaded by someone else since the last sync: see SyncScope.worker.
      scope = undefined;
      live = await liveServers(this.runtime, this.log);
    }
    if (
      scope === undefined &&
      live !== undefined &&
      unknownClusters(clusters, this.known).length > 0
    ) {
      desired = this.desired(withKnownNodes(clusters, this.known, live.servers));
    }
    this.warnings.log(desired.render.warnings);
    this.changes.seed(() => this.cachedDesired(clusters).backends);
    const outcome = await this.converge(desired, pid, live, scope, clusters);
    if (outcome !== undefined) {
      // After a start or a reload, settle() read and planned every backend.
      const runsPid = outcome.restarted ? await this.process.runningPid() : pid;
      const at = outcome.restarted ? Date.now() : checkedAllAt;
      if (runsPid !== undefined) this.tracker.record(runsPid, outcome.worker, clusters, at);
    }
    this.remember(desired);
    await this.stderrCap.check();
  }

  /**
   * Brings HAProxy to `desired`: starts it, reloads it, or runs the plan's commands (then writes
   * the file). Returns the worker that runs all of `desired` and whether it was started or
   * reloaded for it; undefined when some runtime state is left to the next sync.
   */
  private async converge(
    desired: DesiredConfig,
    pid: number | undefined,
    live: LiveState | undefined,
    scope: readonly string[] | undefined,
    clusters: readonly Cluster[],
  ): Promise<{ worker: number; restarted: boolean } | undefined> {
    const restarted = (worker: number | undefined) =>
      worker === undefined ? undefined : { worker, restarted: true };
    if (pid === undefined) {
      const why: Why = { cause: 'not-running', text: 'HAProxy was not running' };
      return restarted(await this.start(desired, why));
    }
    if (live === undefined) {
      this.refuseBlindReload(clusters);
      const text = 'the master runs but the admin socket does not answer';
      return restarted(await this.reload(desired, { cause: 'admin-socket', text }, pid));
    }
    const planned = planSync(
      scoped(desired, scope),
      this.applied?.structure,
      live.servers,
      this.history,
    );
    const plan: Plan = scope === undefined ? planned : { ...planned, scope: new Set(scope) };
    const refused = await this.changes.run(plan);
    const why = reloadWhy(plan, refused);
    if (why !== undefined) return restarted(await this.reload(desired, why, pid));
    this.dualWrite(desired);
    // Kept current after runtime changes too, not only before the writer's own reloads: a
    // reload by someone else (`systemctl reload`) then keeps a drain set since.
    if (plan.commands.length > 0) await this.lifecycle.saveServerState();
    return { worker: live.worker, restarted: false };
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
    // Not through the memo: these are not the clusters the next sync renders.
    return desiredState(this.config, withKnownNodes(cached, this.known, undefined), {
      dynamicServers: this.dynamicServers,
    });
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
   * work is left to the next sync, which retries it: no second reload from here. Returns the
   * worker when all of it was re-applied.
   */
  private async settle(desired: DesiredConfig): Promise<number | undefined> {
    this.changes.reloaded(desired.backends);
    let reason: string | undefined;
    let worker: number | undefined;
    try {
      const live = await liveServers(this.runtime, this.log);
      if (live === undefined) return undefined;
      const plan = planSync(desired, this.applied?.structure, live.servers, this.history);
      reason = (await this.changes.run(plan)) ?? plan.reload;
      // What was re-applied (a drain) must survive an outside reload too, like any runtime change.
      if (plan.commands.length > 0) await this.lifecycle.saveServerState();
      worker = live.worker;
    } catch (error) {
      reason = describeError(error);
    }
    if (reason === undefined) return worker;
    this.log.warn('could not re-apply the runtime state after the reload; the next sync retries', {
      reason,
    });
    return undefined;
  }

  /**
   * Throws when a reload would empty backends only because nothing is known about them: HAProxy
   * runs, but its members could not be read (admin socket silent), and a cluster discovery has
   * not reported yet has no last applied or cached members. Rendering it would drop every server
   * HAProxy still routes to (lighthouse 1.0's B12); the writer retries the sync with back-off.
   */
  private refuseBlindReload(clusters: readonly Cluster[]): void {
    const unknown = unknownClusters(clusters, this.known);
    if (unknown.length === 0) return;
    const names = unknown.map((c) => c.name).join(', ');
    throw new LighthouseError(
      ErrorCode.Unavailable,
      `not reloading HAProxy: its admin socket ${this.config.socket_file} does not answer and the members of ${names} are unknown (not discovered yet, not in the outage cache); a reload would empty their backends`,
    );
  }

  private desired(clusters: readonly Cluster[]): DesiredConfig {
    const options = { dynamicServers: this.dynamicServers, memo: this.memo };
    return desiredState(this.config, clusters, options);
  }

  /**
   * Has haproxy.cfg rewritten after runtime changes, in the background, so a later reload keeps
   * them (no reload now). Asked every sync: a write that failed is tried again.
   */
  private dualWrite(desired: DesiredConfig): void {
    const { render, structure } = desired;
    const running = this.applied?.peers ?? desired.peers;
    this.files.configChanged(() => render.text); // composed when written
    if (!holdsRender(this.applied, render)) this.applied = appliedFrom(render, structure, running);
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

  /**
   * Installs `desired` and reloads (or takes over / replaces) HAProxy; see lifecycle.ts. Returns
   * the new worker when it runs all of `desired` (see {@link settle}).
   */
  private async reload(desired: DesiredConfig, why: Why, pid: number, replace = false) {
    this.tracker.forget();
    // A background write of an older text must not land after the install, nor be restored.
    await this.files.beforeInstall();
    await this.lifecycle.reload(desired.render.text, why, pid, replace);
    this.files.installed(desired.render.text);
    this.applied = appliedFrom(desired.render, desired.structure, desired.peers);
    return this.settle(desired);
  }

  /**
   * Starts HAProxy. If `haproxy -c` refuses the candidate, HAProxy still starts, with the last
   * installed file (the last good state), and sync rejects with the refusal. Returns the worker
   * when it runs all of `desired` (see {@link settle}).
   */
  private async start(desired: DesiredConfig, why: Why): Promise<number | undefined> {
    this.tracker.forget();
    await this.files.beforeInstall();
    const refused = await this.lifecycle.start(desired.render.text, why);
    this.applied =
      refused === undefined
        ? appliedFrom(desired.render, desired.structure, desired.peers)
        : undefined;
    if (refused !== undefined) throw refused;
    this.files.installed(desired.render.text);
    return this.settle(desired);
  }

  /** Records the applied topology, in memory and in the outage cache. */
  private remember(desired: DesiredConfig): void {
    this.lastDesired = desired;
    this.known = new Map(desired.clusters.map((cluster) => [cluster.name, cluster.nodes]));
    if (this.applied !== undefined) this.files.applied(this.applied, this.known);
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
  return new HAProxyBalancer(config, log, version, applied, known, metrics);
}
