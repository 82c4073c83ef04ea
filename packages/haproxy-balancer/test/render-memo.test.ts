import type { ClusterState, Metadata, Node } from '@lighthouse/core';
import { describe, expect, it } from 'vitest';
import { DesiredMemo, desiredState } from '../src/desired.js';
import type { DesiredConfig } from '../src/desired.js';
import { structureFingerprint } from '../src/fingerprint.js';
import { renderConfig, sameFile } from '../src/render.js';
import type { HAProxyClusterConfig, HAProxyConfig } from '../src/schema.js';
import { node, SCENARIOS } from './scenarios.js';
import { seededRandom } from './seeded-random.js';

/**
 * Incremental rendering (issue 10): a long-lived DesiredMemo must give exactly what a fresh
 * render gives, whatever sequence of changes the writer hands it, while actually reusing the
 * backends of untouched clusters; and the structure fingerprint read from `structureText` must
 * be the one the whole file gives (the outage cache of an older writer holds the latter).
 */

type Cluster = ClusterState<HAProxyClusterConfig>;

const PATHS = {
  config_file: '/tmp/lighthouse-memo/haproxy.cfg',
  socket_file: '/tmp/lighthouse-memo/haproxy.sock',
  pid_file: '/tmp/lighthouse-memo/haproxy.pid',
};

const BASE: HAProxyConfig = {
  ...PATHS,
  peer_name: 'lb-local',
  peer_address: '127.0.0.1:10000',
  defaults: ['mode http', 'balance roundrobin'],
  meta_clusters: { api: { port: 9000, frontend: ['mode http'] } },
};

/** The `defaults` sections a step may switch to: modes, cookies, default-server, algorithms. */
const DEFAULTS: (string[] | undefined)[] = [
  ['mode http', 'balance roundrobin'],
  ['mode tcp'],
  ['mode http', 'cookie SRV insert indirect nocache'],
  ['mode http', 'default-server inter 3s'],
  ['balance static-rr'],
  undefined,
];

/** A seeded generator, so a failing step can be replayed from its seed. */
function random(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}
type Random = ReturnType<typeof random>;

const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta'];

/** A new config section (a new object every time, even with the same content). */
function section(rng: Random, name: string, port: number): HAProxyClusterConfig {
  switch (rng.int(7)) {
    case 0:
      return { port };
    case 1:
      return { port, backend: ['mode http', 'cookie SRV insert indirect nocache'] };
    case 2:
      // References its own peers section: the cluster's nodes' peers get rendered.
      return { port, backend: [`stick-table type ip size 1k peers ${name}`, 'stick on src'] };
    case 3:
      return { port, server_options: 'check inter 2s weight 10' };
    case 4:
      return { acl: `path_beg /${name}`, backend: ['mode http'] };
    case 5:
      return { port, backend: ['balance source'], server_options: 'weight 4' };
    default:
      return { port, backend: ['mode tcp', 'timeout server 3s'], server_options: 'check' };
  }
}

/** Node metadata: mostly valid, sometimes what the renderer warns about. */
function metadata(rng: Random): Metadata {
  switch (rng.int(9)) {
    case 0:
      return { weight: rng.int(257) };
    case 1:
      return { weight: 300 };
    case 2:
      return { weight: '50' };
    case 3:
      return { state: 'drain' };
    case 4:
      return { state: 'drain', weight: 5 };
    case 5:
      return { agent_port: 5555, agent_inter: 0.5 };
    case 6:
      return { agent_port: 'x' };
    default:
      return {};
  }
}

/** A node: sometimes with a peer, sometimes invalid (zone id, bad host), in a small name space. */
function randomNode(rng: Random): Node {
  const host = `app${rng.int(6)}`;
  const port = rng.pick([80, 81, 8080]);
  const ip = rng.int(12) === 0 ? 'fe80::1%lo' : `10.0.${rng.int(3)}.${rng.int(6) + 1}`;
  const peered = rng.int(3) === 0 && !ip.includes('%');
  const peer = peered ? { name: host, ip, port: 1024 } : undefined;
  if (rng.int(15) === 0) return node('bad host', ip, port, metadata(rng));
  return node(host, ip, port, metadata(rng), peer);
}

/** The topology a step renders, and what it changed (for the reuse assertions). */
interface Topology {
  config: HAProxyConfig;
  clusters: Cluster[];
}

function newCluster(rng: Random, name: string, ports: { next: number }): Cluster {
  const config = section(rng, name, ports.next++);
  const nodes = Array.from({ length: rng.int(4) }, () => randomNode(rng));
  const meta =
    config.acl === undefined ? {} : { metaCluster: rng.int(4) === 0 ? 'nowhere' : 'api' };
  return { name, discovered: true, config, nodes, ...meta };
}

/** One random change; untouched clusters keep their objects (the Balancer contract). */
function step(rng: Random, topology: Topology, ports: { next: number }): Topology {
  const { config } = topology;
  const clusters = [...topology.clusters];
  const at = clusters.length === 0 ? -1 : rng.int(clusters.length);
  const target = at < 0 ? undefined : clusters[at];
  const replace = (changed: Partial<Cluster>) => {
    if (target !== undefined) clusters[at] = { ...target, ...changed };
  };
  switch (rng.int(13)) {
    case 0:
    case 1:
      replace({ nodes: [...(target?.nodes ?? []), randomNode(rng)] });
      break;
    case 2:
    case 3:
      if (target !== undefined && target.nodes.length > 0) {
        const drop = rng.int(target.nodes.length);
        replace({ nodes: target.nodes.filter((_, index) => index !== drop) });
      }
      break;
    case 4:
    case 5:
      // A node's weight or state changes: a new node object in a new array.
      if (target !== undefined && target.nodes.length > 0) {
        const which = rng.int(target.nodes.length);
        replace({
          nodes: target.nodes.map((n, index) =>
            index === which ? { ...n, metadata: metadata(rng) } : n,
          ),
        });
      }
      break;
    case 6:
      if (target !== undefined) {
        const fresh = section(rng, target.name, ports.next++);
        const meta = fresh.acl === undefined ? undefined : (target.metaCluster ?? 'api');
        const { name, discovered, nodes } = target;
        clusters[at] = {
          name,
          discovered,
          nodes,
          config: fresh,
          ...(meta === undefined ? {} : { metaCluster: meta }),
        };
      }
      break;
    case 7: {
      const free = NAMES.filter((name) => !clusters.some((c) => c.name === name));
      // Now and then a second cluster of a name in use, or an invalid name: both are skipped.
      const name =
        rng.int(10) === 0
          ? rng.pick(['bad name', ...clusters.map((c) => c.name)])
          : free.length > 0
            ? rng.pick(free)
            : undefined;
      if (name !== undefined) clusters.push(newCluster(rng, name, ports));
      break;
    }
    case 8:
      if (at >= 0) clusters.splice(at, 1);
      break;
    case 9:
      // The same clusters in another order, same objects: nothing to render anew.
      clusters.sort(() => rng.next() - 0.5);
      break;
    case 10:
      if (rng.int(3) === 0) {
        const defaults = rng.pick(DEFAULTS);
        return {
          config: { ...config, defaults },
          clusters,
        };
      }
      break;
    case 11:
      // The same nodes in a new array (discovery reported again, nothing changed).
      replace({ nodes: [...(target?.nodes ?? [])] });
      break;
    default:
      // Nothing changed at all: the writer's safety-net sync.
      break;
  }
  return { config, clusters };
}

/** Everything a DesiredConfig exposes, as plain values. */
function observable(desired: DesiredConfig) {
  return {
    text: desired.render.text,
    hash: desired.render.hash,
    warnings: desired.render.warnings,
    structureText: desired.render.structureText,
    peersText: desired.render.peersText,
    backends: desired.backends,
    traits: desired.traits,
    structure: desired.structure,
    peers: desired.peers,
  };
}

const backendNames = (desired: DesiredConfig) => new Set(desired.backends.keys());

/** The clusters with new node objects of the same content: nothing remembered applies. */
const nodeCopies = (clusters: readonly Cluster[]): Cluster[] =>
  clusters.map((cluster) => ({ ...cluster, nodes: cluster.nodes.map((n) => structuredClone(n)) }));

describe('rendering with a long-lived DesiredMemo', () => {
  it.each([1, 2, 3])('equals a fresh render at each of 300 random steps (seed %i)', (seed) => {
    const rng = random(seed);
    const ports = { next: 10_000 };
    const memo = new DesiredMemo();
    let topology: Topology = {
      config: BASE,
      clusters: [newCluster(rng, 'alpha', ports), newCluster(rng, 'beta', ports)],
    };
    let previous:
      { topology: Topology; desired: DesiredConfig; dynamicServers: boolean } | undefined;
    const stats = { reused: 0, rerendered: 0, warned: 0, peered: 0, meta: 0, sameFile: 0 };
    for (let i = 0; i < 300; i++) {
      topology = step(rng, topology, ports);
      const dynamicServers = rng.int(20) !== 0;
      const where = `seed ${seed}, step ${i}`;
      const memoized = desiredState(topology.config, topology.clusters, { dynamicServers, memo });
      // From copies of the nodes: the renderer remembers each node object's server too.
      const fresh = desiredState(topology.config, nodeCopies(topology.clusters), {
        dynamicServers,
      });
      expect(observable(memoized), where).toEqual(observable(fresh));
      // The fingerprint of the whole file, as an older writer computed it and cached it.
      expect(
        structureFingerprint(memoized.render.text, topology.clusters, backendNames(memoized)),
        where,
      ).toBe(memoized.structure);

      // The balancer's cheap "is it the same file" agrees with comparing the files.
      expect(sameFile(memoized.render, fresh.render), where).toBe(true);
      if (previous !== undefined) {
        const same = previous.desired.render.text === memoized.render.text;
        expect(sameFile(previous.desired.render, memoized.render), where).toBe(same);
        if (same) stats.sameFile++;
      }

      // A cluster handed with the same objects as last time keeps its very backend (and
      // traits) objects; one whose nodes or section are new objects is rendered anew.
      if (previous !== undefined) {
        const sameDefaults = previous.topology.config.defaults === topology.config.defaults;
        for (const cluster of topology.clusters) {
          const before = previous.topology.clusters.find((c) => c.name === cluster.name);
          const was = previous.desired.backends.get(cluster.name);
          const now = memoized.backends.get(cluster.name);
          if (before === undefined || was === undefined || now === undefined) continue;
          if (before === cluster && sameDefaults) {
            expect(now, `${where}: ${cluster.name} untouched`).toBe(was);
            const traits = memoized.traits.get(cluster.name);
            const wereTraits = previous.desired.traits.get(cluster.name);
            if (previous.dynamicServers === dynamicServers) expect(traits, where).toBe(wereTraits);
            else expect(traits, where).not.toBe(wereTraits);
            stats.reused++;
          } else if (before.nodes !== cluster.nodes || before.config !== cluster.config) {
            expect(now, `${where}: ${cluster.name} touched`).not.toBe(was);
            stats.rerendered++;
          }
        }
      }
      if (fresh.render.warnings.length > 0) stats.warned++;
      if (fresh.render.peersText.trim() !== '') stats.peered++;
      if (/^frontend api$/m.test(fresh.render.text)) stats.meta++;
      previous = { topology, desired: memoized, dynamicServers };
    }
    // The sequence exercised what it is meant to (else the equality above proves little).
    expect(stats.reused).toBeGreaterThan(100);
    expect(stats.rerendered).toBeGreaterThan(50);
    expect(stats.warned).toBeGreaterThan(30);
    expect(stats.peered).toBeGreaterThan(30);
    expect(stats.meta).toBeGreaterThan(30);
    expect(stats.sameFile).toBeGreaterThan(10);
  });
});

describe('what the memo reuses', () => {
  const web = (nodes: Node[], config: HAProxyClusterConfig = { port: 8080 }): Cluster => ({
    name: 'web',
    discovered: true,
    config,
    nodes,
  });
  const api = (nodes: Node[]): Cluster => ({
    name: 'api',
    discovered: true,
    config: { port: 8081 },
    nodes,
  });
  const A = node('a', '10.0.0.1', 80);
  const B = node('b', '10.0.0.2', 80, { weight: 9 });
  const options = (memo: DesiredMemo) => ({ dynamicServers: true, memo });

  it('keeps an untouched cluster’s backend and renders a touched one anew', () => {
    const memo = new DesiredMemo();
    const apiCluster = api([A]);
    const first = desiredState(BASE, [web([A]), apiCluster], options(memo));
    const second = desiredState(BASE, [web([A, B]), apiCluster], options(memo));
    expect(second.backends.get('api')).toBe(first.backends.get('api'));
    expect(second.traits.get('api')).toBe(first.traits.get('api'));
    expect(second.backends.get('web')).not.toBe(first.backends.get('web'));
    expect(second.backends.get('web')?.map((s) => s.name)).toEqual(['a:80', 'b:80']);
    expect(second.render.text).toContain('server b:80 10.0.0.2:80 weight 9');
  });

  it('renders a node kept in a touched cluster once, and tells its warnings at every render', () => {
    const memo = new DesiredMemo();
    const odd = node('odd', '10.0.0.3', 80, { weight: 'heavy' });
    const first = desiredState(BASE, [web([A, odd])], options(memo));
    const second = desiredState(BASE, [web([A, B, odd])], options(memo));
    const [a1, odd1] = first.backends.get('web') ?? [];
    const [a2, b2, odd2] = second.backends.get('web') ?? [];
    expect(a2).toBe(a1);
    expect(odd2).toBe(odd1);
    expect(b2?.name).toBe('b:80');
    const warning = 'cluster "web": node "odd:80": metadata.weight "heavy" is not an integer';
    for (const desired of [first, second])
      expect(desired.render.warnings.some((w) => w.startsWith(warning))).toBe(true);
    // Other server options: the same node renders again, with them.
    const third = desiredState(BASE, [web([A], { port: 8080, server_options: 'check' })], {
      dynamicServers: true,
      memo,
    });
    const a3 = third.backends.get('web')?.[0];
    expect(a3).not.toBe(a1);
    expect(a3?.options).toEqual(['check']);
    expect(third.render.text).toContain('server a:80 10.0.0.1:80 check');
  });

  it('renders anew after clear(), when the defaults change, and after a generation without it', () => {
    const memo = new DesiredMemo();
    const apiCluster = api([A]);
    const webCluster = web([A]);
    const servers = desiredState(BASE, [webCluster, apiCluster], options(memo)).backends.get('api');

    memo.clear();
    const cleared = desiredState(BASE, [webCluster, apiCluster], options(memo)).backends.get('api');
    expect(cleared).not.toBe(servers);
    expect(cleared).toEqual(servers);

    const cookies = { ...BASE, defaults: ['mode http', 'cookie SRV insert indirect nocache'] };
    const withCookies = desiredState(cookies, [webCluster, apiCluster], options(memo));
    expect(withCookies.backends.get('api')).not.toBe(cleared);
    expect(withCookies.backends.get('api')?.[0]?.cookie).toBe('a:80');
    expect(withCookies.traits.get('api')?.addBlocker).toMatch(/cookies/);

    // One render without api forgets it: handing the same objects again renders it anew.
    const kept = desiredState(cookies, [webCluster, apiCluster], options(memo)).backends.get('api');
    expect(kept).toBe(withCookies.backends.get('api'));
    desiredState(cookies, [webCluster], options(memo));
    const back = desiredState(cookies, [webCluster, apiCluster], options(memo)).backends.get('api');
    expect(back).not.toBe(kept);
    expect(back).toEqual(kept);
  });

  it('works out the traits anew when only dynamicServers changes', () => {
    const memo = new DesiredMemo();
    const clusters = [web([A])];
    const dynamic = desiredState(BASE, clusters, { dynamicServers: true, memo });
    const fixed = desiredState(BASE, clusters, { dynamicServers: false, memo });
    expect(fixed.backends.get('web')).toBe(dynamic.backends.get('web'));
    expect(dynamic.traits.get('web')?.addBlocker).toBeUndefined();
    expect(fixed.traits.get('web')?.addBlocker).toMatch(/no dynamic servers/);
  });

  it('reports an untouched cluster’s warnings at every render, not only the first', () => {
    const memo = new DesiredMemo();
    const bad = web([node('evil', '10.0.0.3', 80, { weight: 300 })]);
    const first = desiredState(BASE, [bad], options(memo));
    const second = desiredState(BASE, [bad], options(memo));
    expect(second.backends.get('web')).toBe(first.backends.get('web'));
    expect(first.render.warnings).toEqual([
      'cluster "web": node "evil:80": metadata.weight 300 is not an integer from 0 to 256; ignored',
    ]);
    expect(second.render.warnings).toEqual(first.render.warnings);
  });

  it('renders a memoized backend with renderConfig alone too', () => {
    const memo = new DesiredMemo();
    const clusters = [web([A, B]), api([B])];
    const first = renderConfig(BASE, clusters, { backends: memo.backends });
    const second = renderConfig(BASE, clusters, { backends: memo.backends, version: '9.9.9' });
    expect(second.backends.get('web')).toBe(first.backends.get('web'));
    expect(second.hash).toBe(first.hash);
    expect(second.text).toBe(renderConfig(BASE, clusters, { version: '9.9.9' }).text);
  });
});

describe('structureText', () => {
  describe.each(SCENARIOS)('scenario $name', (scenario) => {
    it.each([{}, { version: '0.0.0-test' }])(
      'fingerprints like the whole file (options %j)',
      (options) => {
        const render = renderConfig(scenario.config, scenario.clusters, options);
        const names = new Set(render.backends.keys());
        const fromText = structureFingerprint(render.text, scenario.clusters, names);
        expect(structureFingerprint(render.structureText, scenario.clusters, names)).toBe(fromText);
        // And desiredState, which reads structureText, gives the same.
        const desired = desiredState(scenario.config, scenario.clusters, {
          dynamicServers: true,
          ...options,
        });
        expect(desired.structure).toBe(fromText);
      },
    );

    it('holds no server line of a cluster backend and no header comment', () => {
      const render = renderConfig(scenario.config, scenario.clusters);
      expect(render.structureText).not.toMatch(/^# (Generated|Body sha256)/m);
      for (const name of render.backends.keys()) {
        const stanza = render.structureText.split(`\nbackend ${name}\n`)[1]?.split('\n\n')[0];
        expect(stanza ?? '').not.toMatch(/^ {4}server /m);
      }
      const servers = [...render.backends.values()].flat().length;
      expect(render.text.match(/^ {4}server /gm)?.length ?? 0).toBeGreaterThanOrEqual(servers);
    });
  });
});
