import { encodeNode, silentLogger } from '@lighthouse/core';
import type { ClusterState, Node } from '@lighthouse/core';
import { createTempDir } from '@lighthouse/testing';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { ServerState } from '../src/runtime/show-parsers.js';
import type { HAProxyClusterConfig, HAProxyConfig } from '../src/schema.js';
import { desiredState, nodesFromLive, withKnownNodes } from '../src/desired.js';
import { cacheText, encodedNodes, loadCache } from '../src/outage-cache.js';
import { node } from './scenarios.js';

/** DesiredConfig state: the structure fingerprint, undiscovered clusters, and the outage cache. */

type Cluster = ClusterState<HAProxyClusterConfig>;

const CONFIG: HAProxyConfig = {
  config_file: '/tmp/lighthouse-test/haproxy.cfg',
  socket_file: '/tmp/lighthouse-test/haproxy.sock',
  pid_file: '/tmp/lighthouse-test/haproxy.pid',
};

const A = node('a', '10.0.0.1', 80);
const B = node('b', '10.0.0.2', 80, { weight: 9 });

function web(nodes: readonly Node[], config: HAProxyClusterConfig = { port: 8080 }): Cluster {
  return { name: 'web', config, discovered: true, nodes };
}

const structure = (clusters: Cluster[]) =>
  desiredState(CONFIG, clusters, { dynamicServers: true }).structure;

describe('structure fingerprint', () => {
  it('ignores membership and weights, but not lines, ports or server options', () => {
    const base = structure([web([A])]);
    expect(structure([web([A, B])])).toBe(base);
    expect(structure([web([])])).toBe(base);
    expect(structure([web([A], { port: 8081 })])).not.toBe(base);
    expect(structure([web([A], { port: 8080, backend: ['timeout server 3s'] })])).not.toBe(base);
    expect(structure([web([], { port: 8080, server_options: 'check' })])).not.toBe(base);
    expect(structure([web([A]), { ...web([]), name: 'other' }])).not.toBe(base);
  });

  it('computes each backend’s runtime traits', () => {
    const desired = desiredState(CONFIG, [web([A], { backend: ['balance static-rr'] })], {
      dynamicServers: true,
    });
    expect(desired.traits.get('web')?.addBlocker).toMatch(/static-rr/);
  });
});

describe('undiscovered clusters (B12)', () => {
  const running: ServerState[] = [
    {
      backendId: 1,
      backend: 'web',
      serverId: 1,
      server: 'b:80',
      address: '10.0.0.2',
      opState: 2,
      adminState: 0,
      weight: 9,
      initialWeight: 9,
      port: 80,
      agentState: 0,
      agentPort: 0,
    },
    {
      backendId: 1,
      backend: 'web',
      serverId: 2,
      server: 'a:80',
      address: '10.0.0.1',
      opState: 2,
      adminState: 0,
      weight: 1,
      initialWeight: 1,
      port: 80,
      agentState: 0,
      agentPort: 0,
    },
  ];

  it('rebuilds nodes from the running HAProxy, weights other than 1 kept', () => {
    expect(nodesFromLive(running)).toEqual([
      { host: 'b', ip: '10.0.0.2', port: 80, metadata: { weight: 9 } },
      { host: 'a', ip: '10.0.0.1', port: 80, metadata: {} },
    ]);
  });

  it('prefers known nodes, then the running HAProxy, and never touches discovered clusters', () => {
    const undiscovered = { ...web([]), discovered: false };
    const known = new Map([['web', [A]]]);
    const live = new Map([['web', running]]);
    expect(withKnownNodes([undiscovered], known, live)[0]?.nodes).toEqual([A]);
    expect(withKnownNodes([undiscovered], new Map(), live)[0]?.nodes).toHaveLength(2);
    expect(withKnownNodes([undiscovered], new Map(), undefined)[0]?.nodes).toEqual([]);
    expect(withKnownNodes([web([])], known, live)[0]?.nodes).toEqual([]);
  });
});

describe('outage cache', () => {
  it('round-trips nodes through the wire codec and ignores a broken file', async () => {
    const dir = await createTempDir({}, 'lh-cache-');
    try {
      const path = join(dir.dir, 'cache.json');
      const text = cacheText({ hash: 'h', structure: 's', clusters: new Map([['web', [A, B]]]) });
      await writeFile(path, text);
      const cache = await loadCache(path, silentLogger);
      expect(cache?.hash).toBe('h');
      expect(cache?.clusters.get('web')).toEqual([A, B]);
      await writeFile(path, text.replace('10.0.0.1', '10.0.0.1\\nlisten evil'));
      expect(await loadCache(path, silentLogger)).toBeUndefined();
      expect(await loadCache(join(dir.dir, 'missing.json'), silentLogger)).toBeUndefined();
    } finally {
      await dir.cleanup();
    }
  });

  it('encodes a cluster as the JSON list of wire payloads, reusing the last entry per node', () => {
    const odd = node('odd', '::1', 443, { note: 'quote " and \\ backslash', peer: 'x' });
    const nodes = [A, B, odd, B];
    const first = encodedNodes(nodes);
    expect(first.text).toBe(JSON.stringify(nodes.map(encodeNode)));
    expect(encodedNodes([]).text).toBe('[]');
    // A node object of the last entry is not encoded again (the sentinel shows it was reused);
    // an equal new object is.
    const last = { text: '', nodes: new Map([[A, '"reused"']]) };
    expect(encodedNodes([A, { ...A }], last).text).toBe(
      `["reused",${JSON.stringify(encodeNode(A))}]`,
    );
  });
});
