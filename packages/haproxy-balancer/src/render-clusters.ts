import { compareText, printable } from '@lighthouse/core';
import type { ClusterState } from '@lighthouse/core';
import { formatAddress, haproxyNameProblem } from './addresses.js';
import { parseDirective } from './directives.js';
import { normalizeLine } from './lines.js';
import type { ClusterMemo } from './cluster-memo.js';
import { hasDirective, stanzaText, userLines } from './render-format.js';
import type { Stanza } from './render-format.js';
import { backendServers, peerLines } from './render-servers.js';
import type { BackendServer, NodeRenders } from './render-servers.js';
import type { HAProxyClusterConfig, HAProxyConfig } from './schema.js';
import { serverOptionWords } from './server-options.js';
import { assertWellFormedLines } from './well-formed.js';

/** The stanzas generated per cluster: meta frontends, frontends, backends and peers. */

/** A cluster as the renderer uses it: name checked, unique, sorted. */
export type Cluster = ClusterState<HAProxyClusterConfig>;

type Warn = (message: string) => void;

/**
 * One `frontend <meta>` (keyed by meta name) per meta cluster that has members and an entry in
 * `meta_clusters`: bind, the meta's lines, then `acl is_<cluster>` + `use_backend` per member
 * with an acl. Members without an acl and meta clusters missing from `meta_clusters` are
 * reported, not fatal (1.0 raised a KeyError, B31).
 */
export function metaFrontends(
  config: HAProxyConfig,
  clusters: readonly Cluster[],
  bindAddress: string,
  warn: Warn,
): Map<string, Stanza> {
  const metaNames = new Set(clusters.flatMap((cluster) => cluster.metaCluster ?? []));
  const metaClusters = config.meta_clusters ?? {};
  const stanzas = new Map<string, Stanza>();
  for (const meta of [...metaNames].sort(compareText)) {
    const members = clusters.filter((cluster) => cluster.metaCluster === meta);
    const entry = Object.hasOwn(metaClusters, meta) ? metaClusters[meta] : undefined;
    if (entry === undefined) {
      const names = members.map((member) => member.name).join(', ');
      warn(
        `meta cluster "${printable(meta)}" (used by ${names}) is not configured in meta_clusters: no frontend for it`,
      );
      continue;
    }
    const routes = members.flatMap(({ name, config: section }) => {
      if (section.acl === undefined) {
        warn(`cluster "${name}" is in meta cluster "${meta}" but has no acl: not routed`);
        return [];
      }
      return [`acl is_${name} ${normalizeLine(section.acl)}`, `use_backend ${name} if is_${name}`];
    });
    stanzas.set(meta, {
      header: `frontend ${meta}`,
      lines: [
        `bind ${formatAddress(bindAddress, entry.port)}`,
        ...userLines(entry.frontend),
        ...routes,
      ],
    });
  }
  return stanzas;
}

/**
 * `frontend <cluster>` for every cluster with a port: its lines, bind, `default_backend`. A
 * cluster named like a meta cluster frontend gets none (HAProxy refuses two frontends by one name).
 */
export function clusterFrontends(
  clusters: readonly Cluster[],
  metaFrontendNames: ReadonlySet<string>,
  bindAddress: string,
  warn: Warn,
): Stanza[] {
  return clusters.flatMap(({ name, config: section }) => {
    if (section.port === undefined) return [];
    if (metaFrontendNames.has(name)) {
      warn(`cluster "${name}" has a port but a meta cluster frontend has its name: no frontend`);
      return [];
    }
    const bind = `bind ${formatAddress(bindAddress, section.port)}`;
    return [
      {
        header: `frontend ${name}`,
        lines: [...userLines(section.frontend), bind, `default_backend ${name}`],
      },
    ];
  });
}

/** What the `defaults` section decides for every backend: parsed once per render. */
interface BackendDefaults {
  /** Its last `mode` (HAProxy's default: tcp). */
  mode: string;
  /** Whether it has a `cookie` directive. */
  cookie: boolean;
}

function lastMode(section: 'defaults' | 'backend', lines: readonly string[]): string | undefined {
  return lines.map((line) => parseDirective(section, line)).findLast((d) => d?.keyword === 'mode')
    ?.args[0];
}

function backendDefaults(defaults: readonly string[] | undefined): BackendDefaults {
  const lines = userLines(defaults);
  return {
    mode: lastMode('defaults', lines) ?? 'tcp',
    cookie: hasDirective('defaults', lines, 'cookie'),
  };
}

/** One cluster's `backend` stanza as rendered, with what the planner and the fingerprint need. */
export interface RenderedBackend {
  /** Its servers, for the runtime-API planner. */
  servers: readonly BackendServer[];
  /** The stanza, as in the file. */
  text: string;
  /** The stanza without its server lines: all of it the structure fingerprint reads. */
  skeleton: string;
  /** Its nodes that were skipped, one sentence each. */
  warnings: readonly string[];
  /** How each node rendered, for the cluster's next render. */
  nodes: NodeRenders;
}

/**
 * `backend <cluster>`, even without nodes (an empty backend is valid and keeps its frontend
 * valid; 1.0 dropped it). Servers get a cookie only when the backend is in http mode and a
 * `cookie` directive (backend or defaults) uses it: elsewhere HAProxy ignores or warns about it,
 * and 2.6's runtime `add server` refuses `cookie`.
 */
function renderBackend(
  cluster: Cluster,
  defaults: BackendDefaults,
  last: RenderedBackend | undefined,
): RenderedBackend {
  const { name, config: section, nodes } = cluster;
  const backend = userLines(section.backend);
  const mode = lastMode('backend', backend) ?? defaults.mode;
  const cookies =
    mode === 'http' && (hasDirective('backend', backend, 'cookie') || defaults.cookie);
  const options = serverOptionWords(section.server_options);
  const warnings: string[] = [];
  const warn = (warning: string) => void warnings.push(warning);
  const rendered = backendServers(name, nodes, options, cookies, warn, last?.nodes);
  const header = `backend ${name}`;
  assertWellFormedLines([header, ...backend]); // the server lines were checked when made
  return {
    servers: rendered.servers,
    text: stanzaText({ header, lines: [...backend, ...rendered.lines] }),
    skeleton: stanzaText({ header, lines: backend }),
    warnings,
    nodes: rendered.nodes,
  };
}

/**
 * The `backend` stanza of every cluster, in order; from `memo` for a cluster whose section,
 * nodes and the config's defaults are the objects it was rendered from.
 */
export function backends(
  clusters: readonly Cluster[],
  defaults: readonly string[] | undefined,
  warn: Warn,
  memo?: ClusterMemo<RenderedBackend>,
): RenderedBackend[] {
  let facts: BackendDefaults | undefined;
  return clusters.map((cluster) => {
    const render = (last?: RenderedBackend) =>
      renderBackend(cluster, (facts ??= backendDefaults(defaults)), last);
    const rendered =
      memo === undefined
        ? render()
        : memo.get(cluster.name, [cluster.config, cluster.nodes, defaults], render);
    for (const warning of rendered.warnings) warn(warning);
    return rendered;
  });
}

/** This HAProxy's own peer: its name, and where it listens when no node advertises it. */
export interface LocalPeer {
  name: string;
  address: string;
  /** Whether an IP is this machine's: only a peer there may carry the local name. */
  isLocal: (ip: string) => boolean;
}

/**
 * `peers <cluster>` for each cluster whose section something references (`stick-table … peers
 * <cluster>`): an unreferenced one does nothing but cost a reload at every change of its peers
 * (lighthouse 1.0 rendered one per cluster, always). A referenced section must list the local
 * peer (`localpeer` in global, see render.ts) or HAProxy refuses the whole file: when no node
 * advertises it (this machine consumes the cluster without serving it), it is added at
 * `peer_address`.
 */
export function peersSections(
  clusters: readonly Cluster[],
  referenced: ReadonlySet<string>,
  local: LocalPeer,
  warn: Warn,
): Stanza[] {
  const byName = new Map(clusters.map((cluster) => [cluster.name, cluster.nodes]));
  return [...referenced].sort(compareText).flatMap((name) => {
    if (haproxyNameProblem(name) !== undefined) return [];
    // A referenced name that is no cluster (a typo, a removed cluster) still gets a section, with
    // only the local peer: HAProxy refuses a stick-table naming a section that does not exist.
    const nodes = (byName.get(name) ?? []).filter((node) => {
      const impostor = node.peer?.name === local.name && !local.isLocal(node.peer.ip);
      // HAProxy binds the local peer's address: another machine's would fail every start.
      if (impostor) {
        warn(
          `cluster "${name}": peer ${local.name} at ${printable(node.peer?.ip ?? '', 60)} skipped: it has this HAProxy's peer name but not one of its addresses`,
        );
      }
      return !impostor;
    });
    const peers = peerLines(name, nodes, warn);
    const listed = peers.some((line) => line.startsWith(`peer ${local.name} `));
    const own = listed ? [] : [`peer ${local.name} ${local.address}`];
    return [{ header: `peers ${name}`, lines: [...own, ...peers] }];
  });
}

const PEERS_WORD = /(?:^|\s)peers\s+(\S+)/g;

/** The `peers` sections the directive lines name (`stick-table type ip size 1m peers web`). */
export function referencedPeers(lines: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const line of lines) for (const match of line.matchAll(PEERS_WORD)) names.add(match[1]!);
  return names;
}
