import { createHash } from 'node:crypto';
import { hostname as hostName, networkInterfaces } from 'node:os';
import { compareText, nameProblem, nodeName, printable } from '@lighthouse/core';
import type { ClusterState } from '@lighthouse/core';
import {
  canonicalIp,
  DEFAULT_BIND_ADDRESS,
  formatAddress,
  haproxyNameProblem,
} from './addresses.js';
import {
  backends,
  clusterFrontends,
  metaFrontends,
  peersSections,
  referencedPeers,
} from './render-clusters.js';
import type { Cluster, LocalPeer, RenderedBackend } from './render-clusters.js';
import type { ClusterMemo } from './cluster-memo.js';
import { hasDirective, sectionText, stanzaText, userLines } from './render-format.js';
import type { Stanza } from './render-format.js';
import type { BackendServer } from './render-servers.js';
import type { HAProxyClusterConfig, HAProxyConfig } from './schema.js';
import { assertWellFormedLines } from './well-formed.js';

/**
 * The renderer: validated config + clusters → haproxy.cfg text, a pure and deterministic function
 * (sorted everywhere, no timestamp), so equal inputs give byte-equal files and the no-op case
 * costs a string comparison.
 */

/** Options of {@link renderConfig}. */
export interface RenderOptions {
  /** Lighthouse's version, written in the header (outside the hashed body). */
  version?: string;
  /**
   * The backends of earlier renders with this config, reused for clusters whose section and
   * nodes are the same objects (see cluster-memo.ts); without it every backend is rendered.
   */
  backends?: ClusterMemo<RenderedBackend>;
}

/**
 * What {@link renderConfig} produces. `text` and `hash` are composed when first read: a sync
 * that converges at runtime needs them only for the file it writes after its commands.
 */
export interface RenderResult {
  /** The complete haproxy.cfg. */
  readonly text: string;
  /** First 16 hex digits of the body's sha256, also in the header: compare this, not `text`. */
  readonly hash: string;
  /** Inputs that were skipped or ignored, one sentence each, in a deterministic order. */
  warnings: string[];
  /** Each rendered cluster backend's servers, for the runtime-API planner to diff. */
  backends: ReadonlyMap<string, readonly BackendServer[]>;
  /** The `peers` sections' text, as {@link peersFingerprint} reads it from a file. */
  peersText: string;
  /**
   * The file without its header comments and without the server lines of cluster backends: to
   * {@link structureFingerprint} the same as `text` (it skips comments and those lines), at a
   * fraction of the size for a large config.
   */
  structureText: string;
  /**
   * The pieces `text` is made of (sections, each backend's text, the version): two renders with
   * equal pieces have equal files. See {@link sameFile}.
   */
  readonly pieces: readonly string[];
}

/**
 * Whether two renders make the same file, without composing either: unchanged backends are the
 * same strings (cluster-memo.ts), so this costs a comparison per cluster, not per byte. False
 * may still mean the same file (a render from other inputs); true never means another.
 */
export function sameFile(a: RenderResult, b: RenderResult): boolean {
  return a.pieces.length === b.pieces.length && a.pieces.every((piece, i) => piece === b.pieces[i]);
}

/** Timeouts HAProxy 2.6 warns about when missing: each is added unless the user's defaults set it. */
const DEFAULT_TIMEOUTS = [
  ['timeout connect', '5s'],
  ['timeout client', '50s'],
  ['timeout server', '50s'],
] as const;

const HASH_LINE = /^# Body sha256: ([0-9a-f]{16})$/m;

/** The body hash recorded in a rendered file, or undefined for a file lighthouse did not write. */
export function renderedHash(text: string): string | undefined {
  return HASH_LINE.exec(text)?.[1];
}

/**
 * This HAProxy's own peer: `peer_name` (default: this machine's host name, what lighthouse 1.0
 * passed as `-L`), unless the user's global lines set `localpeer` themselves; it listens at
 * `peer_address` unless a node advertises it (default 127.0.0.1:1024, 1.0's peer port).
 */
function localPeer(config: HAProxyConfig, user: readonly string[]): LocalPeer {
  const own = user.find((line) => /^localpeer\s/.test(line))?.split(/\s+/)[1];
  return {
    name: own ?? config.peer_name ?? defaultPeerName(),
    address: config.peer_address ?? '127.0.0.1:1024',
    // All of 127.0.0.0/8 is this machine's (Linux routes it to lo), not only lo's 127.0.0.1.
    isLocal: (ip) => ip.startsWith('127.') || localAddresses().has(canonicalIp(ip)),
  };
}

/** The host name as a peer name: HAProxy refuses some characters a host name may hold. */
function defaultPeerName(): string {
  const name = hostName();
  return haproxyNameProblem(name) === undefined ? name : name.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

/** This machine's addresses, as HAProxy prints them. */
function localAddresses(): Set<string> {
  const addresses = Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((address) => canonicalIp(address.address)),
  );
  return new Set(addresses);
}

/**
 * `localpeer` in the file (not `-L`: a reload by someone else keeps it) when a `peers` section
 * is rendered and the user's global lines do not set it.
 */
function localPeerLines(config: HAProxyConfig, user: readonly string[], peers: boolean): string[] {
  if (!peers || hasDirective('global', user, 'localpeer')) return [];
  return [`localpeer ${localPeer(config, user).name}`];
}

function globalStanza(config: HAProxyConfig, peers: boolean): Stanza {
  const user = userLines(config.global);
  const socket = `stats socket ${config.socket_file} mode 600 level admin expose-fd listeners`;
  return {
    header: 'global',
    lines: [
      ...user,
      ...localPeerLines(config, user, peers),
      socket,
      ...(hasDirective('global', user, 'stats timeout') ? [] : ['stats timeout 2m']),
      ...(config.server_state_file === undefined
        ? []
        : [`server-state-file ${config.server_state_file}`]),
    ],
  };
}

function defaultsStanza(config: HAProxyConfig): Stanza {
  const user = userLines(config.defaults);
  const added = DEFAULT_TIMEOUTS.filter(([keyword]) => !hasDirective('defaults', user, keyword));
  const loadState =
    config.server_state_file !== undefined &&
    !hasDirective('defaults', user, 'load-server-state-from-file');
  return {
    header: 'defaults',
    lines: [
      ...user,
      ...added.map((timeout) => timeout.join(' ')),
      ...(loadState ? ['load-server-state-from-file global'] : []),
    ],
  };
}

function proxyStanzas(config: HAProxyConfig, bindAddress: string): Stanza[] {
  const proxies = config.proxies ?? {};
  return Object.keys(proxies)
    .sort(compareText)
    .flatMap((name) => {
      const proxy = proxies[name];
      if (proxy === undefined) return [];
      const servers = proxy.upstreams.map((upstream) => {
        const address = formatAddress(upstream.host, upstream.port);
        const server = `server ${nodeName(upstream)} ${address}`;
        return upstream.max_conn === undefined ? server : `${server} maxconn ${upstream.max_conn}`;
      });
      const bind = `bind ${formatAddress(proxy.bind_address ?? bindAddress, proxy.port)}`;
      return [{ header: `listen ${name}`, lines: [bind, ...userLines(proxy.options), ...servers] }];
    });
}

function statsStanza(stats: NonNullable<HAProxyConfig['stats']>, bindAddress: string): Stanza {
  const timeouts = (['client', 'connect', 'server'] as const).flatMap((kind) => {
    const value = stats.timeouts?.[kind];
    return value === undefined ? [] : [`timeout ${kind} ${value}`];
  });
  return {
    header: 'listen stats',
    lines: [
      `bind ${formatAddress(bindAddress, stats.port)}`,
      'mode http',
      'stats enable',
      `stats uri ${stats.uri ?? '/'}`,
      ...timeouts,
    ],
  };
}

/**
 * The clusters to render, sorted by name. Skipped with a warning: invalid names, names used by
 * more than one cluster (all of them: picking one would depend on input order), and names of a
 * `listen` section (a proxy or the stats page), which HAProxy would refuse next to a backend.
 */
function selectClusters(
  config: HAProxyConfig,
  clusters: readonly Cluster[],
  warn: (message: string) => void,
): Cluster[] {
  const listenNames = new Set(Object.keys(config.proxies ?? {}));
  if (config.stats !== undefined) listenNames.add('stats');
  const sorted = [...clusters].sort((a, b) => compareText(a.name, b.name));
  return sorted.filter((cluster, index) => {
    const { name } = cluster;
    const problem =
      nameProblem(name) ??
      (listenNames.has(name) ? `a proxy or the stats page is named "${name}"` : undefined) ??
      (sorted[index - 1]?.name === name || sorted[index + 1]?.name === name
        ? 'several clusters have this name'
        : undefined);
    if (problem !== undefined) warn(`cluster "${printable(name)}" skipped: ${problem}`);
    return problem === undefined;
  });
}

/** Every directive line a `peers` reference may be on: defaults, clusters, proxies. */
function directiveLines(config: HAProxyConfig, clusters: readonly Cluster[]): string[] {
  return [
    ...(config.defaults ?? []),
    ...clusters.flatMap(({ config: c }) => [...(c.frontend ?? []), ...(c.backend ?? [])]),
    ...Object.values(config.proxies ?? {}).flatMap((proxy) => proxy.options ?? []),
  ];
}

/**
 * Renders haproxy.cfg. Expects a config and cluster sections that passed their schemas and
 * validate.ts; discovery data (nodes, peers) is checked here, and a bad node is skipped with a
 * warning. Throws InternalError only if a bug would produce a malformed file.
 */
export function renderConfig(
  config: HAProxyConfig,
  clusters: readonly ClusterState<HAProxyClusterConfig>[],
  options: RenderOptions = {},
): RenderResult {
  const warnings: string[] = [];
  const warn = (message: string): void => void warnings.push(message);
  const bindAddress = config.bind_address ?? DEFAULT_BIND_ADDRESS;
  const selected = selectClusters(config, clusters, warn);
  const metas = metaFrontends(config, selected, bindAddress, warn);
  const frontends = clusterFrontends(selected, new Set(metas.keys()), bindAddress, warn);
  const rendered = backends(selected, config.defaults, warn, options.backends);
  const referenced = referencedPeers(directiveLines(config, selected));
  const local = localPeer(config, userLines(config.global));
  const peers = peersSections(selected, referenced, local, warn);
  const global: Stanza[] = [globalStanza(config, referenced.size > 0), defaultsStanza(config)];
  const proxies = proxyStanzas(config, bindAddress);
  const stats = config.stats === undefined ? [] : [statsStanza(config.stats, bindAddress)];
  // Every line but the backends' is checked here; a backend's, when it was rendered.
  const stanzas = [...global, ...metas.values(), ...frontends, ...peers, ...proxies, ...stats];
  assertWellFormedLines(stanzas.flatMap((stanza) => [stanza.header, ...stanza.lines]));
  const peerTexts = peers.map(stanzaText);
  // Made once: the file and the structure text differ only in the backends section.
  const before = [
    sectionText('Global settings and defaults', global.map(stanzaText)),
    sectionText('Frontend stanzas for ACL meta clusters', [...metas.values()].map(stanzaText)),
    sectionText('Per-cluster frontend definitions', frontends.map(stanzaText)),
  ];
  const after = [
    sectionText('Per-cluster peer listings', peerTexts),
    sectionText('Individual proxy definitions', proxies.map(stanzaText)),
    ...(stats.length === 0
      ? []
      : [sectionText('Listener for stats web interface', stats.map(stanzaText))]),
  ];
  const sections = (backendTexts: readonly string[]): string => {
    const backendSection = sectionText('Per-cluster backend definitions', backendTexts);
    return `${[...before, backendSection, ...after].join('\n\n\n')}\n`;
  };
  const version = options.version === undefined ? [] : [`# lighthouse ${options.version}`];
  assertWellFormedLines(version);
  const backendTexts = rendered.map((backend) => backend.text);
  let composed: { text: string; hash: string } | undefined;
  const compose = (): { text: string; hash: string } => {
    // Every line of it was checked above or when its backend was rendered, and only "\n" joins
    // them, so the file is well-formed by construction: no scan of the whole text is needed.
    const body = sections(backendTexts);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const header = [
      '# Generated by lighthouse — do not edit.',
      ...version,
      `# Body sha256: ${hash}`,
    ];
    return { text: `${header.join('\n')}\n\n${body}`, hash };
  };
  return {
    get text() {
      composed ??= compose();
      return composed.text;
    },
    get hash() {
      composed ??= compose();
      return composed.hash;
    },
    warnings,
    backends: new Map(selected.map((cluster, index) => [cluster.name, rendered[index]!.servers])),
    peersText: `${peerTexts.join('\n')}\n`,
    // The blank line after the header, as in the file: the fingerprint counts blank lines.
    structureText: `\n${sections(rendered.map((backend) => backend.skeleton))}`,
    pieces: [...version, ...before, ...backendTexts, ...after],
  };
}
