import type { ClusterState } from '@lighthouse/core';
import type { PlanInput } from './plan.js';
import type { HAProxyClusterConfig } from './schema.js';

/**
 * Which backends a sync must look at (issue 10: work in proportion to the change). The writer
 * hands an unchanged cluster with the very same config section and nodes (the Balancer
 * contract), so the clusters to read and plan are those whose objects differ from what the last
 * sync converged; a sync looks at every backend whenever that comparison proves nothing.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

/**
 * How often a sync reads and plans every backend even while changes keep coming (a sync with no
 * change always does): what an operator or another tool did to a backend the writer did not
 * touch since is converged within this.
 */
export const FULL_CHECK_INTERVAL_MS = 60_000;

/** What the last sync converged. */
interface Converged {
  /** The HAProxy master it converged. */
  pid: number;
  /** The worker it talked to: another one means a reload by someone else since. */
  worker: number;
  /** Its clusters, as handed to sync. */
  clusters: ReadonlyMap<string, Cluster>;
  /** When a sync last read and planned every backend. */
  checkedAllAt: number;
}

/** The scope of one sync: the changed clusters, or undefined for every backend. */
export interface SyncScope {
  changed: ReadonlySet<string> | undefined;
  /**
   * The HAProxy worker the last sync talked to, with `changed`. Another one now means someone
   * reloaded HAProxy (`systemctl reload`): it loaded the file on disk, which may lag the last
   * runtime changes (written in the background), so the sync must look at every backend.
   */
  worker?: number;
  /** When every backend was last looked at, counting this sync. */
  checkedAllAt: number;
}

export class ChangeTracker {
  private converged: Converged | undefined;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /**
   * The clusters whose config section, nodes, discovered flag or meta cluster are not the
   * objects the last sync converged. Every backend instead when none converged yet (the first
   * sync, after a failure, a start or a reload not fully settled), another master runs, a cluster
   * came or went, the last full check is {@link FULL_CHECK_INTERVAL_MS} old, or nothing changed
   * (the writer's safety-net sync). Forgets the last sync: {@link record} records this one.
   */
  begin(clusters: readonly Cluster[], pid: number | undefined): SyncScope {
    const last = this.converged;
    this.converged = undefined;
    const changed =
      pid === undefined ? undefined : changedClusters(last, clusters, pid, this.now());
    if (changed === undefined || last === undefined)
      return { changed: undefined, checkedAllAt: this.now() };
    return { changed, checkedAllAt: last.checkedAllAt, worker: last.worker };
  }

  /**
   * This sync converged HAProxy `pid` (its worker `worker`) to `clusters`, every backend last
   * looked at `checkedAllAt`.
   */
  record(pid: number, worker: number, clusters: readonly Cluster[], checkedAllAt: number): void {
    const byName = new Map(clusters.map((cluster) => [cluster.name, cluster]));
    this.converged = { pid, worker, clusters: byName, checkedAllAt };
  }

  /** HAProxy was started or reloaded: the next sync looks at every backend. */
  forget(): void {
    this.converged = undefined;
  }
}

function changedClusters(
  last: Converged | undefined,
  clusters: readonly Cluster[],
  pid: number,
  now: number,
): Set<string> | undefined {
  if (last === undefined || last.pid !== pid || last.clusters.size !== clusters.length) {
    return undefined;
  }
  if (now - last.checkedAllAt >= FULL_CHECK_INTERVAL_MS) return undefined;
  const changed = new Set<string>();
  for (const cluster of clusters) {
    const before = last.clusters.get(cluster.name);
    if (before === undefined) return undefined;
    if (
      before.config !== cluster.config ||
      before.nodes !== cluster.nodes ||
      before.discovered !== cluster.discovered ||
      before.metaCluster !== cluster.metaCluster
    ) {
      changed.add(cluster.name);
    }
  }
  return changed.size === 0 ? undefined : changed;
}

/** The desired state with the backends of `scope` alone (undefined: all of them). */
export function scoped(desired: PlanInput, scope: readonly string[] | undefined): PlanInput {
  if (scope === undefined) return desired;
  const backends = new Map(scope.map((name) => [name, desired.backends.get(name) ?? []]));
  return { structure: desired.structure, backends, traits: desired.traits };
}
