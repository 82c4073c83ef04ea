import { compareText, decodeNode, describeError, encodeNode } from '@lighthouse/core';
import type { Logger, Node } from '@lighthouse/core';
import { readTextIfExists } from './process/files.js';

/**
 * The outage cache: the last topology the balancer applied, on disk next to haproxy.cfg as
 * `<config_file>.lighthouse-cache.json`. A writer started while discovery is unreachable serves
 * these members instead of empty backends (lighthouse 1.0 served 503s then, B12). It also
 * remembers the structure fingerprint of the file it wrote, so a restarted writer knows whether
 * the running HAProxy already has the structure it wants and can avoid a reload.
 *
 * Nodes are stored in the ZooKeeper wire format and read back through core's codec, so a
 * tampered cache is validated exactly like discovery data.
 */

/** What the cache holds. */
export interface OutageCache {
  /** Body hash of the config file written with this topology. */
  hash: string;
  /** Its structure fingerprint. */
  structure: string;
  /**
   * Fingerprint of the `peers` sections HAProxy runs, which may lag the file's (a change of peers
   * alone waits for a later reload); absent in older caches: the file's are assumed.
   */
  peers?: string;
  /** Nodes per cluster. */
  clusters: ReadonlyMap<string, readonly Node[]>;
}

interface CacheFile {
  version: 1;
  hash: string;
  structure: string;
  peers?: string;
  clusters: Record<string, string[]>;
}

/** Where the cache of `configFile` lives. */
export function cachePath(configFile: string): string {
  return `${configFile}.lighthouse-cache.json`;
}

/** A cluster's cache entry, with each node's encoding (by node object) for the next one. */
export interface EncodedNodes {
  /** The JSON list of the nodes' wire payloads: `JSON.stringify(nodes.map(encodeNode))`. */
  text: string;
  nodes: ReadonlyMap<Node, string>;
}

/**
 * One cluster's entry in the cache: its nodes in the wire format, as a JSON list. `last`: the
 * cluster's previous entry. Discovery hands unchanged nodes on as the same objects, so a change
 * of a 1,000-node cluster encodes the nodes it changed (issue 10).
 */
export function encodedNodes(nodes: readonly Node[], last?: EncodedNodes): EncodedNodes {
  const encoded = new Map<Node, string>();
  const texts = nodes.map((node) => {
    const json = last?.nodes.get(node) ?? JSON.stringify(encodeNode(node));
    encoded.set(node, json);
    return json;
  });
  return { text: `[${texts.join(',')}]`, nodes: encoded };
}

/**
 * The cache's file text (deterministic, so an unchanged topology is not rewritten), one cluster
 * per line. `encode` gives a cluster's entry: the balancer passes one that reuses the entries of
 * unchanged clusters (encoding 10 k nodes costs more than the rest of a sync).
 */
export function cacheText(
  cache: OutageCache,
  encode: (cluster: string, nodes: readonly Node[]) => string = (_, nodes) =>
    encodedNodes(nodes).text,
): string {
  const { hash, structure, peers } = cache;
  const head: Omit<CacheFile, 'clusters'> = {
    version: 1,
    hash,
    structure,
    ...(peers === undefined ? {} : { peers }),
  };
  const fields = Object.entries(head).map(
    ([key, value]) => ` ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  const clusters = [...cache.clusters.keys()]
    .sort(compareText)
    .map((name) => `  ${JSON.stringify(name)}: ${encode(name, cache.clusters.get(name) ?? [])}`);
  const body = clusters.length === 0 ? '{}' : `{\n${clusters.join(',\n')}\n }`;
  return `{\n${[...fields, ` "clusters": ${body}`].join(',\n')}\n}\n`;
}

function parseCache(text: string): OutageCache {
  const file = JSON.parse(text) as Partial<CacheFile>;
  if (file.version !== 1 || typeof file.hash !== 'string' || typeof file.structure !== 'string') {
    throw new Error('not a version 1 cache');
  }
  const clusters = new Map<string, Node[]>();
  for (const [name, payloads] of Object.entries(file.clusters ?? {})) {
    if (!Array.isArray(payloads)) throw new Error(`cluster "${name}": not a list`);
    clusters.set(
      name,
      payloads.map((payload: unknown) => {
        const decoded = decodeNode(typeof payload === 'string' ? payload : '');
        if (!decoded.ok) throw new Error(`cluster "${name}": ${decoded.reason}`);
        return decoded.node;
      }),
    );
  }
  const peers = typeof file.peers === 'string' ? { peers: file.peers } : {};
  return { hash: file.hash, structure: file.structure, ...peers, clusters };
}

/** Reads the cache; a missing file is undefined, a broken one is logged and ignored. */
export async function loadCache(path: string, log: Logger): Promise<OutageCache | undefined> {
  try {
    const text = await readTextIfExists(path);
    return text === undefined ? undefined : parseCache(text);
  } catch (error) {
    log.warn('ignoring the unreadable outage cache', { file: path, error: describeError(error) });
    return undefined;
  }
}
