import { createHash } from 'node:crypto';
import { compareText } from '@lighthouse/core';
import type { ClusterState } from '@lighthouse/core';
import type { HAProxyClusterConfig } from './schema.js';
import { serverOptionWords } from './server-options.js';

/**
 * The structural fingerprint of a rendered config: everything a reload is needed for now. It is
 * the text without comments, without the `server` lines of cluster backends (those converge at
 * runtime) and without `peers` sections (they only affect stick-table replication: a change
 * waits for a later reload, see {@link peersFingerprint}), plus each cluster's server options
 * (they shape every future server line). Two renders with equal fingerprints differ only in
 * cluster membership, weights, addresses and peers.
 */
export function structureFingerprint(
  text: string,
  clusters: readonly ClusterState<HAProxyClusterConfig>[],
  backends: ReadonlySet<string>,
): string {
  const hash = createHash('sha256');
  let inClusterBackend = false;
  let inPeers = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (!line.startsWith(' ')) {
      inClusterBackend = line.startsWith('backend ') && backends.has(line.slice(8));
      inPeers = line.startsWith('peers ');
    } else if (inClusterBackend && line.trimStart().startsWith('server ')) {
      continue;
    }
    if (!inPeers) hash.update(`${line}\n`);
  }
  const options = clusters
    .filter((cluster) => backends.has(cluster.name))
    .map((cluster) => [cluster.name, serverOptionWords(cluster.config.server_options)] as const)
    .sort(([a], [b]) => compareText(a, b));
  hash.update(JSON.stringify(options));
  return hash.digest('hex').slice(0, 32);
}

/** The fingerprint of a rendered config's `peers` sections (empty text: none). */
export function peersFingerprint(text: string): string {
  const hash = createHash('sha256');
  let inPeers = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(' ')) inPeers = line.startsWith('peers ');
    if (inPeers) hash.update(`${line}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}
