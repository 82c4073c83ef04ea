import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderConfig } from '../src/render.js';
import type { HAProxyConfig } from '../src/schema.js';
import { SCENARIOS } from './scenarios.js';
import { seededRandom } from './seeded-random.js';
import type { Scenario } from './scenarios.js';

/** A seeded shuffle, so a failing order can be replayed from its seed. */
function shuffler(seed: number) {
  const random = seededRandom(seed);
  return <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  };
}

/** The same scenario with every list and map in another order. */
function shuffled(scenario: Scenario, seed: number): Scenario {
  const shuffle = shuffler(seed);
  const reorder = <T>(map: Record<string, T> | undefined) =>
    map === undefined ? undefined : Object.fromEntries(shuffle(Object.entries(map)));
  const config: HAProxyConfig = {
    ...scenario.config,
    meta_clusters: reorder(scenario.config.meta_clusters),
    proxies: reorder(scenario.config.proxies),
  };
  const clusters = shuffle(scenario.clusters).map((cluster) => ({
    ...cluster,
    nodes: shuffle(cluster.nodes),
  }));
  return { ...scenario, config, clusters };
}

describe('determinism', () => {
  it.each(SCENARIOS)('$name renders identically in any input order', (scenario) => {
    const expected = renderConfig(scenario.config, scenario.clusters);
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const variant = shuffled(scenario, seed);
        const result = renderConfig(variant.config, variant.clusters);
        expect(result.text).toBe(expected.text);
        expect(result.warnings).toEqual(expected.warnings);
        expect([...result.backends]).toEqual([...expected.backends]);
      }),
      { numRuns: 50, seed: 20260101 },
    );
  });

  it('renders the same text twice (no clock, no randomness)', () => {
    const [first] = SCENARIOS;
    if (first === undefined) throw new Error('no scenarios');
    expect(renderConfig(first.config, first.clusters).text).toBe(
      renderConfig(first.config, first.clusters).text,
    );
  });
});
