import type {
  Discovery,
  DiscoveryReport,
  NodesListener,
  PluginContext,
  Registration,
} from '@lighthouse/core';
import { digestAcl } from './acl.js';
import { ClusterWatch } from './cluster-watch.js';
import { ZnodePaths } from './paths.js';
import { Registrations } from './registrations.js';
import type { ZooKeeperConfig } from './schema.js';
import { ZooKeeperSession } from './session.js';
import { ZooKeeperTelemetry } from './telemetry.js';

/** `hosts` joined with commas, then the chroot: the native client's connection string. */
function connectString(config: Pick<ZooKeeperConfig, 'hosts' | 'chroot'>): string {
  return `${config.hosts.join(',')}${config.chroot ?? ''}`;
}

/**
 * The `zookeeper` discovery: one session, the registrations this machine provides and the
 * clusters it watches. Both sides are desired state that every (re)connection converges again.
 *
 * Decisions: `publish` resolves only once every znode of the set is in place (the engine's
 * "registered" status must not lie), `watch` resolves once the cluster is remembered (and, when connected,
 * after its first look: that delivers unless a child could not be read yet, in which case the
 * delivery follows once every listed child is read): a watch set up before the first session
 * starts with it.
 *
 * `describe()` and the metrics (telemetry.ts, created here once per instance) report the session
 * and what it holds; see the README's "Status and metrics".
 */
export class ZooKeeperDiscovery implements Discovery {
  /** The session adapter (exposed for tests and diagnostics). */
  readonly session: ZooKeeperSession;
  private readonly paths: ZnodePaths;
  private readonly registrations: Registrations;
  private readonly clusters = new Map<string, ClusterWatch>();
  private readonly connectString: string;

  constructor(
    config: ZooKeeperConfig,
    private readonly context: PluginContext,
  ) {
    const { auth } = config;
    const telemetry = new ZooKeeperTelemetry(context.metrics);
    this.connectString = connectString(config);
    this.session = new ZooKeeperSession({
      connectString: this.connectString,
      sessionTimeoutMs: Math.round((config.session_timeout ?? 10) * 1_000),
      auth,
      log: context.log,
      debug: context.debug,
      observer: telemetry,
    });
    this.paths = new ZnodePaths(config.path);
    this.registrations = new Registrations({
      session: this.session,
      paths: this.paths,
      acl: auth === undefined ? undefined : digestAcl(auth.credentials),
      log: context.log,
      debug: context.debug,
      onHeld: (count) => telemetry.registrationsHeld(count),
    });
    this.session.onConnected((fresh) => {
      this.registrations.connected(fresh);
      for (const cluster of this.clusters.values()) void cluster.resync(fresh);
    });
  }

  connect(): Promise<void> {
    return this.session.connect();
  }

  /** Stops maintaining registrations (a successor takes them over); the session stays open. */
  release(): Promise<void> {
    return this.registrations.stop();
  }

  async close(): Promise<void> {
    void this.registrations.stop(); // the session's end removes what a running pass creates
    for (const cluster of this.clusters.values()) cluster.stop();
    this.clusters.clear();
    await this.session.close();
  }

  async watch(cluster: string, onNodes: NodesListener): Promise<void> {
    const existing = this.clusters.get(cluster);
    if (existing !== undefined) {
      existing.setListener(onNodes);
      return;
    }
    const watch = new ClusterWatch({
      session: this.session,
      path: this.paths.cluster(cluster),
      listener: onNodes,
      log: this.context.log.child({ cluster }),
      debug: this.context.debug,
    });
    this.clusters.set(cluster, watch);
    if (this.session.state === 'CONNECTED') await watch.resync(true);
  }

  async unwatch(cluster: string): Promise<void> {
    this.clusters.get(cluster)?.stop();
    this.clusters.delete(cluster);
  }

  publish(registrations: readonly Registration[]): Promise<void> {
    return this.registrations.publish(registrations);
  }

  /**
   * The session for `lighthouse status`: its state (IDLE, CONNECTING, CONNECTED, SUSPENDED, LOST,
   * CLOSED) and facts. `session` and `timeout_ms` appear once a session was established (the
   * last one's while disconnected).
   */
  describe(): DiscoveryReport {
    const { session } = this;
    const reconnects = session.reconnects;
    const id = session.sessionId;
    const timeoutMs = session.negotiatedTimeoutMs;
    return {
      state: session.state,
      facts: {
        hosts: this.connectString,
        since: session.since.toISOString(),
        ...(id === undefined ? {} : { session: `0x${id}` }),
        ...(timeoutMs === undefined ? {} : { timeout_ms: timeoutMs }),
        reconnects: reconnects.resumed + reconnects.new,
        reconnects_resumed: reconnects.resumed,
        reconnects_new: reconnects.new,
        registrations_held: this.registrations.heldCount,
        registrations_wanted: this.registrations.wantedCount,
        clusters_watched: this.clusters.size,
      },
    };
  }
}
