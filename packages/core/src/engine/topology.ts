import type { ClusterConfig } from '../config/types.js';
import type { ClusterState } from '../contracts/balancer.js';
import { compareText } from '../model/node.js';
import type { Node } from '../model/node.js';

/** A cluster as an engine knows it: its config and what discovery last reported. */
export interface ClusterView {
  config: ClusterConfig;
  nodes: readonly Node[];
  /** Whether discovery has reported the cluster at all (see `ClusterState.discovered`). */
  discovered: boolean;
}

/** What the balancer named `balancer` is handed: its clusters with their sections, by name. */
export function topologyFor(balancer: string, clusters: Iterable<ClusterView>): ClusterState[] {
  return [...clusters]
    .filter((cluster) => balancer in cluster.config.balancers)
    .map(({ config, nodes, discovered }) => ({
      name: config.name,
      config: config.balancers[balancer],
      discovered,
      nodes,
      ...(config.metaCluster === undefined ? {} : { metaCluster: config.metaCluster }),
    }))
    .sort((a, b) => compareText(a.name, b.name));
}
