import { isRecord } from '../is-record.js';
import { hostProblem, ipProblem, portProblem } from './names.js';

/**
 * The model shared by every plugin. A {@link Node} is one (host, port) instance of a service as
 * discovery reports it; a {@link Peer} is the HAProxy instance on that node's machine (for
 * `peers` sections). Identity follows lighthouse 1.0: two nodes are the same when ip and port are.
 */

/** Free-form, JSON-compatible metadata a reporter attaches to its nodes. */
export type Metadata = Record<string, unknown>;

/** The HAProxy instance living on a node's machine. */
export interface Peer {
  name: string;
  ip: string;
  port: number;
}

/** One live instance of a service. */
export interface Node {
  /** Advertised host name of the machine (part of the znode name `<host>:<port>`). */
  host: string;
  /** Address the load balancer connects to. */
  ip: string;
  port: number;
  metadata: Metadata;
  /** Absent when the reporter did not advertise one (lighthouse 1.0 then wrongly used its own). */
  peer?: Peer;
}

/** `<host>:<port>`: the znode name and the HAProxy server name of a node. */
export function nodeName(node: Pick<Node, 'host' | 'port'>): string {
  return `${node.host}:${node.port}`;
}

/** `<ip>:<port>`: the identity of a node (lighthouse 1.0's equality). */
export function nodeKey(node: Pick<Node, 'ip' | 'port'>): string {
  return node.ip.includes(':') ? `[${node.ip}]:${node.port}` : `${node.ip}:${node.port}`;
}

/** The order of {@link sortNodes}: by name, then by identity. */
function compareNodes(a: Node, b: Node): number {
  return compareText(nodeName(a), nodeName(b)) || compareText(nodeKey(a), nodeKey(b));
}

/**
 * Sorts nodes by name then identity, so everything rendered from them is deterministic. A list
 * already in order (the writer's, handed on to a balancer) costs one name per node: comparing
 * while sorting makes both names again at every comparison, and a 1,000-node cluster is sorted
 * at every change of it (issue 10).
 */
export function sortNodes(nodes: readonly Node[]): Node[] {
  return inOrder(nodes) ? [...nodes] : [...nodes].sort(compareNodes);
}

function inOrder(nodes: readonly Node[]): boolean {
  let previous: Node | undefined;
  let previousName = '';
  for (const node of nodes) {
    const name = nodeName(node);
    if (previous !== undefined) {
      const order =
        compareText(previousName, name) || compareText(nodeKey(previous), nodeKey(node));
      if (order > 0) return false;
    }
    previous = node;
    previousName = name;
  }
  return true;
}

/** Byte-order string comparison (locale-independent, so output never depends on the machine). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Why `value` is not a usable {@link Node}, or undefined when it is one. The writer asks this of
 * every node a discovery plugin reports, so no balancer — ours or a third party's — ever receives
 * `999.1.1.1:70000` or a host name with a space, whatever the plugin let through.
 */
export function nodeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'a node must be an object';
  const { host, ip, port, metadata, peer } = value;
  if (typeof ip !== 'string') return '"ip" must be a string';
  if (typeof host !== 'string') return '"host" must be a string';
  const problem = ipProblem(ip) ?? hostProblem(host) ?? portProblem(port);
  if (problem !== undefined) return problem;
  if (!isRecord(metadata) || !isJson(metadata)) return '"metadata" must be a JSON object';
  if (peer === undefined) return undefined;
  if (!isRecord(peer)) return '"peer" must be an object';
  if (typeof peer['name'] !== 'string') return 'peer "name" must be a string';
  if (typeof peer['ip'] !== 'string') return 'peer "ip" must be a string';
  const peerProblem =
    hostProblem(peer['name']) ?? ipProblem(peer['ip']) ?? portProblem(peer['port']);
  return peerProblem === undefined ? undefined : `peer: ${peerProblem}`;
}

/** Whether `value` can be written as JSON (no cycles, no BigInt): balancers may persist it. */
function isJson(value: unknown): boolean {
  try {
    return JSON.stringify(value) !== undefined;
  } catch {
    return false;
  }
}
