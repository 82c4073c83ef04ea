import { describe, expect, it } from 'vitest';
import { compareText, nodeKey, nodeName, sortNodes } from '../../src/model/node.js';
import type { Node } from '../../src/model/node.js';

const node = (host: string, port: number, ip = '10.0.0.1'): Node => ({
  host,
  ip,
  port,
  metadata: {},
});

/** The order sortNodes promises, computed the plain way. */
function reference(nodes: readonly Node[]): Node[] {
  return [...nodes].sort(
    (a, b) => compareText(nodeName(a), nodeName(b)) || compareText(nodeKey(a), nodeKey(b)),
  );
}

describe('sortNodes', () => {
  it('orders by name, then by identity (ip:port) for nodes of one name', () => {
    const nodes = [node('b', 80), node('a', 81), node('a', 80, '10.0.0.2'), node('a', 80)];
    expect(sortNodes(nodes)).toEqual([
      node('a', 80),
      node('a', 80, '10.0.0.2'),
      node('a', 81),
      node('b', 80),
    ]);
  });

  it('returns a new array and leaves its input as it was, sorted or not', () => {
    const sorted = [node('a', 1), node('b', 1)];
    const unsorted = [node('b', 1), node('a', 1)];
    expect(sortNodes(sorted)).not.toBe(sorted);
    expect(sortNodes(sorted)).toEqual(sorted);
    expect(sortNodes(unsorted)[0]?.host).toBe('a');
    expect(unsorted[0]?.host).toBe('b');
  });

  it('agrees with a full sort on sorted, nearly sorted and shuffled lists', () => {
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    for (let round = 0; round < 200; round += 1) {
      const nodes = Array.from({ length: random(12) }, () =>
        node(`h${random(4)}`, 80 + random(3), `10.0.0.${random(3)}`),
      );
      const sorted = reference(nodes);
      // One swap of neighbours in a sorted list: only the check of its pairs can see it.
      const nearly = [...sorted];
      const at = random(Math.max(1, nearly.length - 1));
      if (nearly.length > 1) [nearly[at], nearly[at + 1]] = [nearly[at + 1]!, nearly[at]!];
      for (const input of [nodes, sorted, nearly])
        expect(sortNodes(input)).toEqual(reference(input));
    }
  });
});
