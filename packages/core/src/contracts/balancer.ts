import type { Node } from '../model/node.js';

/**
 * A cluster as the writer hands it to a balancer: its config and its current nodes. Neither is
 * ever mutated, and a cluster that did not change since the last `sync` comes with the very same
 * `config` and `nodes` objects: a balancer may compare them by identity to work only on what
 * changed (the haproxy balancer does). Within a changed cluster, a node that did not change is
 * the same `Node` object as before when its discovery plugin keeps it (the zookeeper plugin
 * does), so a balancer may remember work per node object too.
 */
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
  /**
   * Resolves once the load balancer routes `clusters`. What it keeps on disk for later (a config
   * file for its next reload) may follow in the background: see `flush`.
   */
  sync(clusters: readonly ClusterState<TClusterConfig>[]): Promise<void>;
  /** The configuration text `sync` would produce now, for `lighthouse render`. */
  render?(clusters: readonly ClusterState<TClusterConfig>[]): Promise<string>;
  /** Stops background work (writing what is left first); the load balancer keeps running. */
  close?(): Promise<void>;
  /** Optional. Resolves once what `sync` left to write in the background is written. */
  flush?(): Promise<void>;
  /**
   * Optional. What the load balancer runs now, for `lighthouse status`: each cluster's members as
   * the load balancer itself reports them, and its recent reloads/restarts.
   */
  describe?(): Promise<BalancerReport>;
}

/** A balancer's live state, as `lighthouse status` shows it (JSON-serialisable). */
export interface BalancerReport {
  clusters: readonly {
    name: string;
    members: readonly {
      /** The server's name in the load balancer (e.g. `host-a:8080`). */
      name: string;
      address: string;
      port: number;
      /** As the load balancer reports it, e.g. `ready`, `drain`, `maint`. */
      state: string;
      /** Who set `state` when it is not discovery's doing, e.g. `operator`. */
      setBy?: string;
    }[];
  }[];
  /** Recent reloads and restarts, oldest first (a bounded history). */
  reloads: readonly { at: string; reason: string; ok: boolean }[];
  /** Free-form facts worth a line each (`pid`, `version`, `restarts`). */
  facts?: Readonly<Record<string, string | number>>;
}
