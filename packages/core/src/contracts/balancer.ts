import type { Node } from '../model/node.js';

/** A cluster as the writer hands it to a balancer: its config and its current nodes. */
export interface ClusterState<TClusterConfig = unknown> {
  /** Cluster name (file name, or its `name:` key): the discovery path segment. */
  name: string;
  /** The cluster file's section for this balancer (e.g. its `haproxy:` map), validated. */
  config: TClusterConfig;
  /**
   * False until discovery has reported this cluster since the writer started. A balancer must then
   * keep what it already runs (or its outage cache) instead of emptying the backend: losing sight
   * of members is not the same as members leaving.
   */
  discovered: boolean;
  /** The meta cluster it belongs to, if any. */
  metaCluster?: string;
  nodes: readonly Node[];
}

/**
 * A local load balancer. `sync` converges it to exactly the given topology and must be
 * idempotent: the writer calls it again after any doubt (restart, reconnect, error).
 */
export interface Balancer<TClusterConfig = unknown> {
  sync(clusters: readonly ClusterState<TClusterConfig>[]): Promise<void>;
  /** The configuration text `sync` would produce now, for `lighthouse render`. */
  render?(clusters: readonly ClusterState<TClusterConfig>[]): Promise<string>;
  /** Stops background work; the load balancer itself keeps running. */
  close?(): Promise<void>;
}
