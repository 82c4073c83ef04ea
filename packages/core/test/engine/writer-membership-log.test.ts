import { describe, expect, it } from 'vitest';
import { MemoryDiscoveryBackend, waitFor } from '@lighthouse/testing';
import type { RecordingLogger } from '@lighthouse/testing';
import type { Node } from '@lighthouse/core';
import { startMemoryWriter } from '../helpers/memory-writer.js';
import { membersOf, membershipChange, nodesChange } from '../../src/engine/membership-log.js';

/**
 * The writer says at `info` what changed in each cluster, once per change: one line per cluster
 * and sync, never one per sync for an unchanged cluster, and one line with the member count when
 * discovery first reports a cluster.
 */

const node = (n: number, metadata: Node['metadata'] = {}): Node => ({
  host: `app-${n}`,
  ip: `10.0.0.${n}`,
  port: 8080,
  metadata,
});

/** The writer's membership lines, as `message`. */
const membership = (logger: RecordingLogger): string[] =>
  logger
    .at('info')
    .filter((line) => line.message.startsWith('cluster '))
    .map((line) => line.message);

describe('Writer: membership changes in the log', () => {
  it('reports a cluster first with its member count, then each change once', async () => {
    const backend = new MemoryDiscoveryBackend();
    for (const n of [1, 2, 3]) backend.put('web', node(n));
    const { recorder, logger, writer } = await startMemoryWriter({ backend });
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 3);
    expect(membership(logger)).toEqual(['cluster web: discovered, 3 member(s)']);
    expect(
      logger.at('info').find((line) => line.message.startsWith('cluster web'))?.fields,
    ).toEqual({ cluster: 'web', members: 3 });

    backend.put('web', node(4));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 4);
    // Syncs without a change (the periodic resync, a reconnect) say nothing.
    await writer.synced();
    await writer.synced();
    expect(membership(logger)).toEqual([
      'cluster web: discovered, 3 member(s)',
      'cluster web: added app-4:8080 (10.0.0.4)',
    ]);
    expect(logger.at('info').at(-1)?.fields).toMatchObject({
      cluster: 'web',
      members: 4,
      added: 1,
      removed: 0,
      changed: 0,
    });
  });

  it('batches what one sync applies into one line per cluster: added, removed, weight, drain', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node(1, { weight: 10 }));
    backend.put('web', node(2));
    backend.put('web', node(3));
    const { recorder, logger } = await startMemoryWriter({
      backend,
      coalesce: { minMs: 50, maxMs: 200 },
    });
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 3);

    backend.put('web', node(1, { weight: 20 }));
    backend.put('web', node(2, { state: 'drain' }));
    backend.remove('web', 'app-3:8080');
    backend.put('web', node(5));
    await recorder.waitFor((clusters) =>
      (clusters[0]?.nodes ?? []).some((one) => one.host === 'app-5'),
    );
    backend.put('web', node(2));
    await recorder.waitFor(
      (clusters) =>
        clusters[0]?.nodes.find((one) => one.host === 'app-2')?.metadata['state'] === undefined,
    );
    expect(membership(logger)).toEqual([
      'cluster web: discovered, 3 member(s)',
      'cluster web: added app-5:8080 (10.0.0.5); removed app-3:8080 (10.0.0.3); changed app-1:8080 (10.0.0.1) weight 10 -> 20, app-2:8080 (10.0.0.2) state ready -> drain',
      'cluster web: changed app-2:8080 (10.0.0.2) state drain -> ready',
    ]);
  });

  it('names the first ten of many and counts the rest', async () => {
    const { backend, recorder, logger } = await startMemoryWriter({
      coalesce: { minMs: 50, maxMs: 200 },
    });
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    for (let n = 10; n < 35; n++) backend.put('web', node(n));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 25);
    const shown = Array.from({ length: 10 }, (_, i) => `app-${i + 10}:8080 (10.0.0.${i + 10})`);
    expect(membership(logger)).toEqual([
      'cluster web: discovered, 0 member(s)',
      `cluster web: added ${shown.join(', ')} and 15 more`,
    ]);
    expect(logger.at('info').at(-1)?.fields).toMatchObject({ members: 25, added: 25 });
  });

  it('starts afresh for a cluster file removed and added again', async () => {
    const backend = new MemoryDiscoveryBackend();
    backend.put('web', node(1));
    const { recorder, logger, dir } = await startMemoryWriter({ backend });
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1);
    const web = 'discovery: memory\nrecording:\n  port: 8000\n';
    await dir.remove('clusters/web.yaml');
    await recorder.waitFor((clusters) => clusters.length === 0);
    await dir.write('clusters/web.yaml', web);
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1);
    await waitFor(() => membership(logger).length === 2, { what: 'the second first report' });
    expect(membership(logger)).toEqual([
      'cluster web: discovered, 1 member(s)',
      'cluster web: discovered, 1 member(s)',
    ]);
  });
});

describe('membershipChange', () => {
  it('is nothing for the same members in another order or with other metadata', () => {
    const before = membersOf([node(1, { weight: 5, zone: 'a' }), node(2)]);
    const after = membersOf([node(2, { state: 'up' }), node(1, { weight: 5, zone: 'b' })]);
    expect(membershipChange(before, after)).toBeUndefined();
  });

  it('tells an address change as one node removed and another added', () => {
    const before = membersOf([node(1)]);
    const after = membersOf([{ ...node(1), ip: '10.0.1.1' }]);
    expect(membershipChange(before, after)).toEqual({
      text: 'added app-1:8080 (10.0.1.1); removed app-1:8080 (10.0.0.1)',
      added: 1,
      removed: 1,
      changed: 0,
    });
  });

  it('shows a weight set or unset against the default', () => {
    const before = membersOf([node(1)]);
    const after = membersOf([node(1, { weight: 0 })]);
    expect(membershipChange(before, after)?.text).toBe(
      'changed app-1:8080 (10.0.0.1) weight default -> 0',
    );
    expect(membershipChange(after, before)?.text).toBe(
      'changed app-1:8080 (10.0.0.1) weight 0 -> default',
    );
  });
});

describe('nodesChange', () => {
  it('describes the nodes not kept as the same objects, as comparing every member would', () => {
    const stable = Array.from({ length: 30 }, (_, index) => node(index + 10));
    const before = [node(1), node(2, { weight: 3 }), ...stable, node(5)];
    // Node 1 removed, node 2 re-weighted (a new object), node 5 replaced by an equal object,
    // node 7 added; the 30 others kept as they were.
    const after = [node(2, { weight: 4 }), ...stable, node(5), node(7)];
    const expected = membershipChange(membersOf(before), membersOf(after));
    expect(nodesChange(before, after)).toEqual(expected);
    expect(expected).toEqual({
      text:
        'added app-7:8080 (10.0.0.7); removed app-1:8080 (10.0.0.1); ' +
        'changed app-2:8080 (10.0.0.2) weight 3 -> 4',
      added: 1,
      removed: 1,
      changed: 1,
    });
  });

  it('is nothing when every node is kept, or replaced by an equal one', () => {
    const nodes = [node(1), node(2)];
    expect(nodesChange(nodes, [...nodes])).toBeUndefined();
    expect(nodesChange(nodes, [node(1), node(2)])).toBeUndefined();
  });
});
