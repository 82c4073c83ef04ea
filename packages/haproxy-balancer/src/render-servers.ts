import {
  compareText,
  hostProblem,
  nodeName,
  portProblem,
  printable,
  sortNodes,
} from '@lighthouse/core';
import type { Node } from '@lighthouse/core';
import { formatAddress, haproxyNameProblem, serverAddressProblem } from './addresses.js';
import { agentWords, nodeSettings } from './node-metadata.js';
import type { NodeAgent } from './node-metadata.js';
import { assertWellFormedLines } from './well-formed.js';

/**
 * Server and peer lines from discovery data. Nodes come from ZooKeeper, so they are untrusted:
 * core's codec validated them, and they are checked again here because a bad value would become
 * config syntax. A node that fails is skipped with a warning, never rendered.
 */

/** A server of a cluster's backend: everything the runtime API needs to converge one. */
export interface BackendServer {
  /** `<host>:<port>`: stable across renders, the name the runtime API addresses. */
  name: string;
  /** Where HAProxy connects: `<ip>:<port>`, IPv6 in brackets. */
  address: string;
  /** The persistence cookie value, when the backend uses cookies. */
  cookie?: string;
  /** The cluster's server_options words. */
  options: readonly string[];
  /** From the node's `metadata.weight` (0-256). */
  weight?: number;
  /** From the node's `metadata.state`: true keeps the server in HAProxy's drain admin state. */
  drain?: boolean;
  /** From the node's `metadata.agent_port`/`agent_inter`. */
  agent?: NodeAgent;
}

/**
 * The keywords after the address, as `add server` takes them too: the cluster's options, then
 * what the node's metadata sets. Later keywords win in HAProxy, so a node's own agent and weight
 * override the cluster's.
 */
export function serverWords(server: BackendServer): string[] {
  return [...server.options, ...agentWords(server.agent)];
}

/**
 * One `server` line. HAProxy 2.6 has no server keyword for the drain state: it is set at runtime
 * (and kept across reloads by the server-state file or by the balancer re-applying it); the
 * comment says so to a reader of the file, and changes the file's hash, so the outage cache keeps
 * the node's state.
 */
export function serverLine(server: BackendServer): string {
  const words = ['server', server.name, server.address];
  if (server.cookie !== undefined) words.push('cookie', server.cookie);
  words.push(...serverWords(server));
  if (server.weight !== undefined) words.push('weight', String(server.weight));
  if (server.drain === true) words.push('# drain (metadata.state), set at runtime');
  return words.join(' ');
}

function nodeProblem(node: Node): string | undefined {
  return (
    hostProblem(node.host) ??
    serverAddressProblem(node.ip) ??
    portProblem(node.port) ??
    haproxyNameProblem(nodeName(node))
  );
}

/** What one node renders to with a backend's server options and cookie mode. */
interface RenderedNode {
  name: string;
  /** Why the node cannot be a server; undefined when it is {@link server}. */
  problem?: string;
  server?: BackendServer;
  /** The server's line, checked well-formed. */
  line?: string;
  /** What its metadata got wrong (ignored values), one sentence each. */
  notes: readonly string[];
}

/** A backend's nodes as a render rendered them, by node object, and what with. */
export interface NodeRenders {
  readonly options: readonly string[];
  readonly cookies: boolean;
  readonly byNode: ReadonlyMap<Node, RenderedNode>;
}

/** A backend's servers, their lines, and how each node rendered (for the next render). */
export interface RenderedServers {
  servers: BackendServer[];
  lines: string[];
  nodes: NodeRenders;
}

const NO_NOTES: readonly string[] = [];

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((word, index) => word === b[index]));
}

function renderNode(node: Node, options: readonly string[], cookies: boolean): RenderedNode {
  const name = nodeName(node);
  const problem = nodeProblem(node);
  if (problem !== undefined) return { name, problem, notes: NO_NOTES };
  let notes: string[] | undefined; // made for the rare node with one
  const report = (note: string) => void (notes ??= []).push(note);
  const server = serverOf(node, name, options, cookies, report);
  const line = serverLine(server);
  assertWellFormedLines([line]);
  return { name, server, line, notes: notes ?? NO_NOTES };
}

function serverOf(
  node: Node,
  name: string,
  options: readonly string[],
  cookies: boolean,
  report: (note: string) => void,
): BackendServer {
  const { drain, agent, ...settings } = nodeSettings(node, report);
  const weight = settings.weight ?? (agent === undefined ? undefined : agentWeight(options));
  return {
    name,
    address: formatAddress(node.ip, node.port),
    ...(cookies ? { cookie: name } : {}),
    options,
    ...(weight === undefined ? {} : { weight }),
    ...(drain ? { drain } : {}),
    ...(agent === undefined ? {} : { agent }),
  };
}

/**
 * The servers of a cluster's backend and their lines, sorted like its nodes. `cookies`: whether
 * the backend uses persistence cookies (then each server's cookie is its name, as in 1.0).
 *
 * `last`: the nodes of the backend's previous render. Discovery hands each unchanged node on as
 * the same object and never changes one (the Balancer contract), so a node found there with the
 * same options is not rendered again: one node added beside 1,000 renders one line (issue 10).
 * Its warnings are told again, as a render's warnings are all of its inputs' problems.
 */
export function backendServers(
  cluster: string,
  nodes: readonly Node[],
  options: readonly string[],
  cookies: boolean,
  warn: (message: string) => void,
  last?: NodeRenders,
): RenderedServers {
  const servers: BackendServer[] = [];
  const lines: string[] = [];
  const byNode = new Map<Node, RenderedNode>();
  // Rendered with other options or cookies, the last render's nodes are of no use.
  const reusable =
    last !== undefined && last.cookies === cookies && sameWords(last.options, options)
      ? last.byNode
      : undefined;
  const names = new Set<string>();
  for (const node of sortNodes(nodes)) {
    const rendered = reusable?.get(node) ?? renderNode(node, options, cookies);
    byNode.set(node, rendered);
    const { name, problem, server, line, notes } = rendered;
    // Made only for a warning: most nodes have none, and a render may see 10 k of them.
    const where = () => `cluster "${cluster}": node "${printable(name)}"`;
    if (server === undefined || line === undefined) {
      warn(`${where()} skipped: ${problem}`);
    } else if (names.has(name)) {
      warn(`${where()} skipped: another node has the same name`);
    } else {
      names.add(name);
      for (const note of notes) warn(`${where()}: ${note}`);
      servers.push(server);
      lines.push(line);
    }
  }
  return { servers, lines, nodes: { options, cookies, byNode } };
}

/**
 * The weight of a server whose agent sets it in percent, when neither the node nor the cluster's
 * `server_options` gives one: 100, so `40%` means 40. HAProxy's default weight is 1, of which any
 * percentage below 100 rounds down to 0 — an agent answering `up ready 75%` would stop traffic.
 */
function agentWeight(options: readonly string[]): number | undefined {
  return options.includes('weight') ? undefined : AGENT_BASE_WEIGHT;
}

/** The configured weight an agent's percentages apply to, unless the cluster sets one. */
export const AGENT_BASE_WEIGHT = 100;

/**
 * The `peer` lines of a cluster: the HAProxy peers its nodes advertise, sorted by name then
 * address, each listed once (several services on one machine advertise the same peer). A peer
 * whose name or address is already listed is skipped with a warning: HAProxy needs both unique.
 */
export function peerLines(
  cluster: string,
  nodes: readonly Node[],
  warn: (message: string) => void,
): string[] {
  const peers = sortNodes(nodes)
    .flatMap((node) => (node.peer === undefined ? [] : [node.peer]))
    .filter((peer) => {
      const problem =
        haproxyNameProblem(peer.name) ?? serverAddressProblem(peer.ip) ?? portProblem(peer.port);
      if (problem !== undefined) warn(`cluster "${cluster}": peer skipped: ${problem}`);
      return problem === undefined;
    })
    .map((peer) => ({ name: peer.name, address: formatAddress(peer.ip, peer.port) }))
    .sort((a, b) => compareText(a.name, b.name) || compareText(a.address, b.address));
  const seen = new Set<string>();
  const taken = new Set<string>();
  const lines: string[] = [];
  for (const { name, address } of peers) {
    const line = `peer ${name} ${address}`;
    if (seen.has(line)) continue;
    seen.add(line);
    if (taken.has(`name ${name}`) || taken.has(`address ${address}`)) {
      warn(`cluster "${cluster}": ${line} skipped: its name or address is already listed`);
    } else {
      taken.add(`name ${name}`).add(`address ${address}`);
      lines.push(line);
    }
  }
  return lines;
}
