import { describe, expect, it } from 'vitest';
import { MemoryDiscoveryBackend, memoryDiscoveryPlugin } from '@lighthouse/testing';
import type { BalancerRecorder, RecordingLogger } from '@lighthouse/testing';
// Core from the built package, like the plugins of @lighthouse/testing, so that both sides
// share one copy of core's types (the plugin brand is a unique symbol).
import { nodeProblem } from '@lighthouse/core';
import type { DiscoveryPlugin, Node } from '@lighthouse/core';
import { startMemoryWriter } from '../helpers/memory-writer.js';
import { scriptedDiscovery } from '../helpers/scripted-discovery.js';

const WARNING = 'discovery reported an unusable node; leaving it out';

const node = (host: string, port: number, ip = '10.0.0.1'): Node => ({
  host,
  ip,
  port,
  metadata: {},
});

/** A value that violates the Node type, as a buggy or hostile discovery plugin might report. */
const hostile = (fields: Record<string, unknown>): Node =>
  ({ host: 'bad host!', ip: '999.1.1.1', port: 70000, metadata: {}, ...fields }) as unknown as Node;

describe('Writer: validating what discovery reports', () => {
  const start = (discovery?: DiscoveryPlugin) =>
    startMemoryWriter(discovery === undefined ? {} : { discovery });

  /** Every node any sync handed the balancer. */
  const everyNodeSeen = (recorder: BalancerRecorder): unknown[] =>
    recorder.syncs.flatMap((topology) => topology.flatMap((cluster) => [...cluster.nodes]));

  const warnings = (logger: RecordingLogger) => logger.matching('warn', WARNING);

  it('hands the balancer only the valid nodes and says which one it left out and why', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node('app01', 80));
    backend.put('web', hostile({}));
    backend.put('web', node('app02', 80, 'fe80::2'));
    const { recorder, logger } = await start(memoryDiscoveryPlugin(backend));
    const topology = await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    expect(topology[0]?.nodes).toEqual([node('app01', 80), node('app02', 80, 'fe80::2')]);
    expect(everyNodeSeen(recorder).every((seen) => nodeProblem(seen) === undefined)).toBe(true);
    expect(warnings(logger)).toEqual([
      {
        level: 'warn',
        message: WARNING,
        fields: {
          cluster: 'web',
          node: 'bad host!:70000',
          problem: '"999.1.1.1" is not an IPv4 or IPv6 address',
        },
      },
    ]);
  });

  it('warns once per node and problem, not on every delivery', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', hostile({}));
    const { recorder, logger } = await start(memoryDiscoveryPlugin(backend));
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    expect(warnings(logger)).toHaveLength(1);

    // Two more deliveries that still carry the same bad node.
    backend.put('web', node('app01', 80));
    backend.put('web', node('app02', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 2);
    expect(warnings(logger)).toHaveLength(1);

    // Same node (same host:port), different problem: worth a new line.
    backend.put('web', hostile({ ip: '10.0.0.9' }));
    backend.put('web', node('app03', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 3);
    expect(warnings(logger).map((line) => line.fields['problem'])).toEqual([
      '"999.1.1.1" is not an IPv4 or IPv6 address',
      '"bad host!" is not a valid host name or IP address',
    ]);
    expect(everyNodeSeen(recorder).every((seen) => nodeProblem(seen) === undefined)).toBe(true);
  });

  it('warns again when a node that was fine in between turns bad again', async () => {
    const backend = new MemoryDiscoveryBackend();
    const bad = hostile({ host: 'app01', port: 80 }); // bad ip only: same name as the good one
    backend.put('web', bad);
    const { recorder, logger } = await start(memoryDiscoveryPlugin(backend));
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    expect(warnings(logger)).toHaveLength(1);

    backend.put('web', node('app01', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1);
    expect(recorder.members('web')).toEqual(['app01:80']);
    expect(warnings(logger)).toHaveLength(1);

    backend.put('web', bad);
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 0);
    expect(warnings(logger)).toHaveLength(2);
    expect(warnings(logger)[1]?.fields).toMatchObject({ node: 'app01:80' });
  });

  it('warns again when a bad node left and came back', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node('app01', 80));
    backend.put('web', hostile({}));
    const { recorder, logger } = await start(memoryDiscoveryPlugin(backend));
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    backend.remove('web', 'bad host!:70000');
    backend.put('web', node('app02', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 2);
    expect(warnings(logger)).toHaveLength(1);
    backend.put('web', hostile({}));
    backend.put('web', node('app03', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 3);
    expect(warnings(logger)).toHaveLength(2);
  });

  it('survives entries that are not objects at all and quotes hostile names safely', async () => {
    const scripted = scriptedDiscovery();
    const { recorder, logger } = await start(scripted.plugin);
    const nodes = [
      null,
      'app09:80',
      hostile({ host: 'evil\nserver x 6.6.6.6:80', ip: '10.0.0.6', port: 80 }),
      node('app01', 80),
    ] as unknown as Node[];
    const listener = await scripted.listener();
    listener(nodes);
    const topology = await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    expect(topology[0]?.nodes).toEqual([node('app01', 80)]);
    const lines = warnings(logger);
    expect(lines.map((line) => line.fields['problem'])).toEqual([
      'a node must be an object',
      'a node must be an object',
      expect.stringMatching(/is not a valid host name or IP address$/),
    ]);
    for (const line of lines) {
      expect(String(line.fields['node'])).not.toMatch(/\n/);
      expect(String(line.fields['problem'])).not.toMatch(/\n/);
    }
  });
});
