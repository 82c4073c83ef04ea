import type { CounterMetric, GaugeMetric, HistogramMetric, Metrics } from '../contracts/metrics.js';

/**
 * The writer's own metrics (its plugins record theirs through the same {@link Metrics}). Labels
 * are bounded by the config directory: cluster names come from `clusters/*.yaml`, never from
 * discovery.
 */
export class WriterMetrics {
  private readonly syncSeconds: HistogramMetric;
  private readonly syncs: CounterMetric;
  private readonly changeToSync: HistogramMetric;
  private readonly members: GaugeMetric;
  private readonly discovered: GaugeMetric;
  /**
   * The oldest discovery update of each cluster that no successful sync has applied yet
   * (`performance.now()`); one entry per cluster, so a flood of updates costs nothing.
   */
  private pending = new Map<string, number>();

  constructor(readonly registry: Metrics) {
    this.syncSeconds = registry.histogram({
      name: 'lighthouse_writer_sync_duration_seconds',
      help: 'How long one sync of every balancer took, by result (ok, failed).',
      labelNames: ['result'],
    });
    this.syncs = registry.counter({
      name: 'lighthouse_writer_syncs_total',
      help: 'Syncs of every balancer to the clusters, by result (ok, failed); failed ones are retried with back-off.',
      labelNames: ['result'],
    });
    this.changeToSync = registry.histogram({
      name: 'lighthouse_writer_change_to_sync_seconds',
      help: "Time from a cluster's discovery update arriving to the end of the successful sync that applied it (one observation per cluster and sync, from its oldest update).",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
    this.members = registry.gauge({
      name: 'lighthouse_writer_cluster_members',
      help: "Members of a cluster as discovery last reported them, after the writer's own checks.",
      labelNames: ['cluster'],
    });
    this.discovered = registry.gauge({
      name: 'lighthouse_writer_cluster_discovered',
      help: 'Whether discovery has reported the cluster since the writer started (1) or not yet (0: the balancer keeps what it has).',
      labelNames: ['cluster'],
    });
    for (const result of ['ok', 'failed']) this.syncs.inc({ result }, 0);
  }

  /** A cluster is configured: not discovered yet, no members. */
  clusterAdded(cluster: string): void {
    this.members.set(0, { cluster });
    this.discovered.set(0, { cluster });
  }

  /** Discovery reported `members` usable nodes of `cluster`: the next sync applies them. */
  clusterUpdated(cluster: string, members: number): void {
    this.members.set(members, { cluster });
    this.discovered.set(1, { cluster });
    if (!this.pending.has(cluster)) this.pending.set(cluster, performance.now());
  }

  /** A cluster is no longer configured: its series go. */
  clusterRemoved(cluster: string): void {
    this.members.remove({ cluster });
    this.discovered.remove({ cluster });
    this.pending.delete(cluster);
  }

  /**
   * Runs one sync and records it: its duration and result, and for every cluster updated before
   * it started, how long its update waited to be applied. A failed sync leaves those updates
   * waiting for the retry.
   */
  async sync(run: () => Promise<void>): Promise<void> {
    const applying = this.pending;
    this.pending = new Map();
    const started = performance.now();
    try {
      await run();
    } catch (error) {
      this.ended('failed', started);
      for (const [cluster, since] of applying) {
        const later = this.pending.get(cluster);
        if (later === undefined || later > since) this.pending.set(cluster, since);
      }
      throw error;
    }
    const ended = this.ended('ok', started);
    for (const since of applying.values()) this.changeToSync.observe((ended - since) / 1000);
  }

  private ended(result: 'ok' | 'failed', started: number): number {
    const ended = performance.now();
    this.syncSeconds.observe((ended - started) / 1000, { result });
    this.syncs.inc({ result });
    return ended;
  }
}
