import { afterEach, describe, expect, it } from 'vitest';
import Type from 'typebox';
import {
  BalancerRecorder,
  createTempConfigDir,
  MemoryDiscoveryBackend,
  memoryDiscoveryPlugin,
  recordingBalancerPlugin,
} from '@lighthouse/testing';
import type { FileContent, TempDir } from '@lighthouse/testing';
// The engine comes from the built package, like the plugins of @lighthouse/testing, so that
// both sides share one copy of core's types (the plugin brand is a unique symbol).
import { defineBalancer, defineDiscovery } from '@lighthouse/core';
import type { AnyPlugin, ClusterState, Discovery, Node, NodesListener } from '@lighthouse/core';
import { createStaticResolver, renderOnce } from '@lighthouse/core/engine';
import type { RenderOnceOptions } from '@lighthouse/core/engine';

const node = (host: string, port: number, ip = '10.0.0.1'): Node => ({
  host,
  ip,
  port,
  metadata: {},
});

/** A balancer that renders the topology it is handed as JSON, and counts its closes. */
function textBalancer(name = 'text') {
  const state = { created: 0, closed: 0 };
  const plugin = defineBalancer({
    name,
    configSchema: Type.Object({}),
    clusterSchema: Type.Object({ port: Type.Optional(Type.Integer()) }),
    create: () => {
      state.created++;
      return {
        sync: async () => undefined,
        render: async (clusters: readonly ClusterState[]) => JSON.stringify(clusters),
        close: async () => {
          state.closed++;
        },
      };
    },
  });
  return { plugin, state };
}

/** A discovery plugin built from `parts`, with harmless defaults for the rest. */
function scriptedDiscovery(name: string, parts: Partial<Discovery>) {
  return defineDiscovery({
    name,
    configSchema: Type.Object({}),
    create: (): Discovery => ({
      connect: async () => undefined,
      close: async () => undefined,
      watch: async () => undefined,
      unwatch: async () => undefined,
      publish: async () => undefined,
      ...parts,
    }),
  });
}

const parse = (text: string | undefined): ClusterState[] => JSON.parse(text ?? 'null');

describe('renderOnce', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.cleanup();
    dir = undefined;
  });

  async function render(
    files: Record<string, FileContent>,
    plugins: AnyPlugin[],
    options: Partial<RenderOnceOptions> = {},
  ) {
    dir = await createTempConfigDir(files);
    const warnings: string[] = [];
    const result = await renderOnce({
      configDir: dir.dir,
      resolver: createStaticResolver(plugins),
      onWarning: (text) => warnings.push(text),
      ...options,
    });
    return { result, warnings };
  }

  const standard = {
    'balancers/text.yaml': '{}\n',
    'discovery/memory.yaml': '{}\n',
    'clusters/web.yaml': 'discovery: memory\ntext:\n  port: 8000\n',
    'clusters/api.yaml': 'discovery: memory\nmeta_cluster: apps\ntext: {}\n',
  };

  it('renders each cluster with its section and its current members, sorted', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node('app02', 80));
    backend.put('web', node('app01', 80, '10.0.0.2'));
    const balancer = textBalancer();
    const { result, warnings } = await render(standard, [
      balancer.plugin,
      memoryDiscoveryPlugin(backend),
    ]);
    expect(warnings).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.balancers.map((entry) => entry.balancer)).toEqual(['text']);
    expect(parse(result.balancers[0]?.text)).toEqual([
      { name: 'api', config: {}, discovered: true, nodes: [], metaCluster: 'apps' },
      {
        name: 'web',
        config: { port: 8000 },
        discovered: true,
        nodes: [node('app01', 80, '10.0.0.2'), node('app02', 80)],
      },
    ]);
    // One session, read once, closed; the balancer instance was closed too.
    expect(backend.log.filter((entry) => entry === 'connect')).toHaveLength(1);
    expect(backend.log.at(-1)).toBe('close');
    expect(balancer.state).toEqual({ created: 1, closed: 1 });
  });

  it('leaves out the nodes that are not usable', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node('app01', 80));
    backend.put('web', {
      host: 'bad host!',
      ip: '999.1.1.1',
      port: 70000,
      metadata: {},
    } as unknown as Node);
    backend.put('web', { ...node('app03', 80), ip: 'app03' });
    const { result } = await render(standard, [
      textBalancer().plugin,
      memoryDiscoveryPlugin(backend),
    ]);
    expect(result.ok && parse(result.balancers[0]?.text)[1]?.nodes).toEqual([node('app01', 80)]);
  });

  it('reports an invalid config directory as issues, rendering nothing', async () => {
    const balancer = textBalancer();
    const { result } = await render(
      { ...standard, 'clusters/web.yaml': 'discovery: nowhere\ntext: {}\n' },
      [balancer.plugin, memoryDiscoveryPlugin(new MemoryDiscoveryBackend())],
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/clusters\/web\.yaml$/),
        pointer: '/discovery',
      }),
    ]);
    expect(balancer.state.created).toBe(0);
  });

  it('gives undefined text for a balancer that cannot render, and renders the others', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node('app01', 80));
    const { result } = await render(
      {
        'balancers/recording.yaml': '{}\n',
        'balancers/text.yaml': '{}\n',
        'discovery/memory.yaml': '{}\n',
        'clusters/web.yaml': 'discovery: memory\ntext: {}\nrecording: {}\n',
      },
      [
        recordingBalancerPlugin(new BalancerRecorder()),
        textBalancer().plugin,
        memoryDiscoveryPlugin(backend),
      ],
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.balancers).toEqual([
      { balancer: 'recording', text: undefined },
      { balancer: 'text', text: expect.any(String) },
    ]);
    expect(parse(result.balancers[1]?.text)[0]?.nodes).toEqual([node('app01', 80)]);
  });

  it('hands each balancer only the clusters that have a section for it', async () => {
    const { result } = await render(
      {
        'balancers/text.yaml': '{}\n',
        'balancers/other.yaml': '{}\n',
        'discovery/memory.yaml': '{}\n',
        'clusters/web.yaml': 'discovery: memory\ntext: {}\n',
        'clusters/api.yaml': 'discovery: memory\nother: {}\n',
      },
      [
        textBalancer().plugin,
        textBalancer('other').plugin,
        memoryDiscoveryPlugin(new MemoryDiscoveryBackend()),
      ],
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const names = Object.fromEntries(
      result.balancers.map(({ balancer, text }) => [balancer, parse(text).map((c) => c.name)]),
    );
    expect(names).toEqual({ other: ['api'], text: ['web'] });
  });

  it('with discover: false, renders every cluster undiscovered without contacting discovery', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node('app01', 80));
    const { result, warnings } = await render(
      standard,
      [textBalancer().plugin, memoryDiscoveryPlugin(backend)],
      { discover: false },
    );
    expect(backend.log).toEqual([]);
    expect(warnings).toEqual([]);
    expect(result.ok && parse(result.balancers[0]?.text)).toEqual([
      { name: 'api', config: {}, discovered: false, nodes: [], metaCluster: 'apps' },
      { name: 'web', config: { port: 8000 }, discovered: false, nodes: [] },
    ]);
  });

  it('returns no balancers, without contacting discovery, when none is configured', async () => {
    const backend = new MemoryDiscoveryBackend();
    const { result } = await render({ 'discovery/memory.yaml': '{}\n' }, [
      textBalancer().plugin,
      memoryDiscoveryPlugin(backend),
    ]);
    expect(result).toEqual({ ok: true, balancers: [] });
    expect(backend.log).toEqual([]);
  });

  it('warns about a discovery that cannot connect and renders its clusters undiscovered', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node('app01', 80));
    backend.failNext('connect', new Error('connection refused\nat somewhere'));
    const { result, warnings } = await render(standard, [
      textBalancer().plugin,
      memoryDiscoveryPlugin(backend),
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/discovery memory unavailable \(connection refused\)/);
    expect(warnings[0]).not.toMatch(/\n/);
    expect(
      result.ok && parse(result.balancers[0]?.text).map((c) => [c.name, c.discovered, c.nodes]),
    ).toEqual([
      ['api', false, []],
      ['web', false, []],
    ]);
  });

  it('gives up on a discovery that does not connect within discoveryWaitMs', async () => {
    let closed = 0;
    const stuck = scriptedDiscovery('stuck', {
      connect: () => new Promise<void>(() => undefined),
      close: async () => {
        closed++;
      },
    });
    const started = Date.now();
    const { result, warnings } = await render(
      {
        'balancers/text.yaml': '{}\n',
        'discovery/stuck.yaml': '{}\n',
        'clusters/web.yaml': 'discovery: stuck\ntext: {}\n',
      },
      [textBalancer().plugin, stuck],
      { discoveryWaitMs: 50 },
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(warnings).toEqual([expect.stringMatching(/^discovery stuck unavailable \(.*0\.05 s/)]);
    expect(closed).toBe(1);
    expect(result.ok && parse(result.balancers[0]?.text)).toEqual([
      { name: 'web', config: {}, discovered: false, nodes: [] },
    ]);
  });

  it('renders a cluster not reported within discoveryWaitMs undiscovered, the others normally', async () => {
    const quiet = scriptedDiscovery('partial', {
      watch: async (cluster: string, onNodes: NodesListener) => {
        if (cluster === 'web') onNodes([node('app01', 80)]);
      },
    });
    const { result } = await render(
      {
        'balancers/text.yaml': '{}\n',
        'discovery/partial.yaml': '{}\n',
        'clusters/web.yaml': 'discovery: partial\ntext: {}\n',
        'clusters/api.yaml': 'discovery: partial\ntext: {}\n',
      },
      [textBalancer().plugin, quiet],
      { discoveryWaitMs: 50 },
    );
    expect(result.ok && parse(result.balancers[0]?.text)).toEqual([
      { name: 'api', config: {}, discovered: false, nodes: [] },
      { name: 'web', config: {}, discovered: true, nodes: [node('app01', 80)] },
    ]);
  });

  it('ignores an answer that arrives after the wait, while the session is closing', async () => {
    // Like a ZooKeeper client delivering a pending read's answer before its close completes.
    let pending: NodesListener | undefined;
    const lagging = scriptedDiscovery('lagging', {
      watch: async (cluster: string, onNodes: NodesListener) => {
        if (cluster === 'web') onNodes([node('app01', 80)]);
        else pending = onNodes;
      },
      close: async () => {
        pending?.([node('app09', 80)]);
      },
    });
    const { result } = await render(
      {
        'balancers/text.yaml': '{}\n',
        'discovery/lagging.yaml': '{}\n',
        'clusters/web.yaml': 'discovery: lagging\ntext: {}\n',
        'clusters/api.yaml': 'discovery: lagging\ntext: {}\n',
      },
      [textBalancer().plugin, lagging],
      { discoveryWaitMs: 50 },
    );
    expect(pending).toBeDefined();
    expect(result.ok && parse(result.balancers[0]?.text)).toEqual([
      { name: 'api', config: {}, discovered: false, nodes: [] },
      { name: 'web', config: {}, discovered: true, nodes: [node('app01', 80)] },
    ]);
  });

  it('still renders the clusters of a healthy discovery when another one is down', async () => {
    const up = new MemoryDiscoveryBackend();
    up.put('web', node('app01', 80));
    const down = new MemoryDiscoveryBackend();
    down.setOnline(false);
    const { result, warnings } = await render(
      {
        'balancers/text.yaml': '{}\n',
        'discovery/up.yaml': '{}\n',
        'discovery/down.yaml': '{}\n',
        'clusters/web.yaml': 'discovery: up\ntext: {}\n',
        'clusters/api.yaml': 'discovery: down\ntext: {}\n',
      },
      [textBalancer().plugin, memoryDiscoveryPlugin(up, 'up'), memoryDiscoveryPlugin(down, 'down')],
    );
    expect(warnings).toEqual([expect.stringMatching(/^discovery down unavailable/)]);
    expect(
      result.ok && parse(result.balancers[0]?.text).map((c) => [c.name, c.discovered, c.nodes]),
    ).toEqual([
      ['api', false, []],
      ['web', true, [node('app01', 80)]],
    ]);
  });
});
