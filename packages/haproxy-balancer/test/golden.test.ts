import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderConfig } from '../src/render.js';
import { validateClusterSection, validateHAProxyConfig } from '../src/validate.js';
import { checkWithHAProxy } from './haproxy-check.js';
import { SCENARIOS } from './scenarios.js';

/**
 * Byte-for-byte golden files, each also proven valid by the real `haproxy -c`.
 * Regenerate after an intended change with:
 *   UPDATE_GOLDEN=1 npx vitest run packages/haproxy-balancer
 */

const update = process.env['UPDATE_GOLDEN'] === '1';
const goldenPath = (name: string) =>
  fileURLToPath(new URL(`./golden/${name}.cfg`, import.meta.url));

describe.each(SCENARIOS)('golden $name', (scenario) => {
  const result = renderConfig(scenario.config, scenario.clusters, { version: '0.0.0-test' });

  it('uses inputs that pass validation', () => {
    expect(validateHAProxyConfig(scenario.config)).toEqual([]);
    for (const cluster of scenario.clusters)
      expect(validateClusterSection(cluster.config)).toEqual([]);
  });

  it('matches the golden file', () => {
    if (update) writeFileSync(goldenPath(scenario.name), result.text);
    expect(result.text).toBe(readFileSync(goldenPath(scenario.name), 'utf8'));
  });

  it('reports exactly the expected warnings', () => {
    expect(result.warnings).toEqual(scenario.warnings);
  });

  it('is accepted by haproxy -c', () => {
    const check = checkWithHAProxy(readFileSync(goldenPath(scenario.name), 'utf8'));
    expect(check.output).not.toMatch(/\[ALERT\]/);
    expect(check.valid, check.output).toBe(true);
  });
});
