import { hasControlCharacter } from '@lighthouse/core';
import type { ClusterState, Metadata, Node } from '@lighthouse/core';
import { backendTraits } from './backend-traits.js';
import { ClusterMemo } from './cluster-memo.js';
import type { BackendTraits } from './backend-traits.js';
import { peersFingerprint, structureFingerprint } from './fingerprint.js';
import type { PlanInput } from './plan.js';
import type { RenderedBackend } from './render-clusters.js';
import { renderConfig } from './render.js';
import type { RenderResult } from './render.js';
import { AdminFlags, CheckFlags } from './runtime/show-parsers.js';
import type { ServerState } from './runtime/show-parsers.js';
import type { HAProxyClusterConfig, HAProxyConfig } from './schema.js';

/**
 * From the writer's clusters to what HAProxy should run: undiscovered clusters filled in from
 * what is known (the outage cache, else the running HAProxy), then rendered, fingerprinted, and
 * each backend's runtime capabilities worked out.
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

/** A rendered desired state. */
export interface DesiredConfig extends PlanInput {
  render: RenderResult;
  /** Fingerprint of the `peers` sections: a change alone reloads later (see balancer.ts). */
  peers: string;
  /** The clusters as rendered (undiscovered ones filled in): what the outage cache stores. */
  clusters: readonly Cluster[];
}

/**
 * What metadata gave a running server, as far as `show servers state` tells: the weight (the
 * configured one when an agent runs: the current one is the agent's), a drain that is not the
 * agent's (none runs), and the agent's port. Its interval is not reported: the cluster's (or
 * HAProxy's 2 s) applies until discovery reports the node again.
 */
function liveMetadata(server: ServerState): Metadata {
  const agent = (server.agentState & CheckFlags.configured) !== 0;
  const agentRuns = (server.agentState & CheckFlags.enabled) !== 0;
  const weight = agent ? server.initialWeight : server.weight;
  const drain = (server.adminState & AdminFlags.forcedDrain) !== 0 && !agentRuns;
  return {
    ...(weight === 1 ? {} : { weight }),
    ...(drain ? { state: 'drain' } : {}),
    ...(agent && server.agentPort > 0 ? { agent_port: server.agentPort } : {}),
  };
}

/**
 * Nodes of a backend as the running HAProxy has them, for an undiscovered cluster without a
 * cached entry: names are `<host>:<port>` (the renderer's), weights other than 1, the drain and
 * the agent port kept (an outage must not undo them).
 */
export function nodesFromLive(servers: readonly ServerState[]): Node[] {
  return servers.flatMap((server) => {
    const colon = server.server.lastIndexOf(':');
    const host = colon > 0 ? server.server.slice(0, colon) : server.server;
    if (hasControlCharacter(host)) return [];
    return [{ host, ip: server.address, port: server.port, metadata: liveMetadata(server) }];
  });
}

/**
 * Clusters with `discovered: false` get their last known nodes: from `known` (last applied, or
 * the outage cache), else from the running HAProxy's backend, else whatever they carry. An
 * empty backend is only ever rendered because discovery said so (lighthouse 1.0's B12).
 */
export function withKnownNodes(
  clusters: readonly Cluster[],
  known: ReadonlyMap<string, readonly Node[]>,
  live: ReadonlyMap<string, readonly ServerState[]> | undefined,
): Cluster[] {
  return clusters.map((cluster) => {
    if (cluster.discovered) return cluster;
    const cached = known.get(cluster.name);
    const running = live?.get(cluster.name);
    const nodes = cached ?? (running === undefined ? undefined : nodesFromLive(running));
    return nodes === undefined ? cluster : { ...cluster, nodes };
  });
}

/** Undiscovered clusters with no known members: only the running HAProxy can tell theirs. */
export function unknownClusters(
  clusters: readonly Cluster[],
  known: ReadonlyMap<string, readonly Node[]>,
): Cluster[] {
  return clusters.filter((cluster) => !cluster.discovered && !known.has(cluster.name));
}

/** What {@link desiredState} keeps from one sync to the next (see cluster-memo.ts). */
export class DesiredMemo {
  readonly backends = new ClusterMemo<RenderedBackend>();
  readonly traits = new ClusterMemo<BackendTraits>();

  endGeneration(): void {
    this.backends.endGeneration();
    this.traits.endGeneration();
  }

  clear(): void {
    this.backends.clear();
    this.traits.clear();
  }
}

/** Options of {@link desiredState}. */
export interface DesiredOptions {
  dynamicServers: boolean;
  version?: string;
  /** Reuses what earlier calls worked out for unchanged clusters; one memo per config. */
  memo?: DesiredMemo;
}

/** Renders `clusters` into the desired state. */
export function desiredState(
  config: HAProxyConfig,
  clusters: readonly Cluster[],
  options: DesiredOptions,
): DesiredConfig {
  const { memo } = options;
  const render = renderConfig(config, clusters, {
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(memo === undefined ? {} : { backends: memo.backends }),
  });
  const names = new Set(render.backends.keys());
  const traits = new Map<string, BackendTraits>();
  for (const cluster of clusters) {
    const servers = render.backends.get(cluster.name);
    if (servers === undefined) continue;
    const cookies = servers.some((server) => server.cookie !== undefined);
    const compute = () =>
      backendTraits(config.defaults, cluster.config, {
        dynamicServers: options.dynamicServers,
        cookies,
      });
    // Not the servers: a member added to a large backend must not parse its directives again.
    const inputs = [cluster.config, config.defaults, cookies, options.dynamicServers];
    traits.set(
      cluster.name,
      memo === undefined ? compute() : memo.traits.get(cluster.name, inputs, compute),
    );
  }
  memo?.endGeneration();
  return {
    render,
    clusters,
    structure: structureFingerprint(render.structureText, clusters, names),
    // The peers stanzas alone, not the whole file: the same fingerprint at a fraction of the scan.
    peers: peersFingerprint(render.peersText),
    backends: render.backends,
    traits,
  };
}
