import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defineBalancer, defineCheck } from '../../src/define.js';
import { pluginShapeProblems } from '../../src/plugins/index.js';

const check = defineCheck({
  name: 'http',
  configSchema: Type.Object({}),
  create: () => ({ perform: async () => true }),
});

describe('pluginShapeProblems', () => {
  it('accepts what define*() builds', () => {
    expect(pluginShapeProblems(check, 'checks', 'http')).toEqual([]);
    const balancer = defineBalancer({
      name: 'haproxy',
      configSchema: Type.Object({}),
      clusterSchema: Type.Object({}),
      create: () => ({ sync: async () => undefined }),
    });
    expect(pluginShapeProblems(balancer, 'balancers', 'haproxy')).toEqual([]);
  });

  it('accepts a plugin carrying its own copy of core: a plain object with the Symbol.for brand', () => {
    const plain = {
      [Symbol.for('lighthouse.plugin')]: true,
      kind: 'checks',
      name: 'http',
      configSchema: { type: 'object', properties: {} },
      create: () => undefined,
    };
    expect(pluginShapeProblems(plain, 'checks', 'http')).toEqual([]);
  });

  it('names every member that is missing or wrong', () => {
    expect(
      pluginShapeProblems(
        { kind: 'checks', configSchema: [], checkDependencies: 'yes' },
        'balancers',
        'x',
      ),
    ).toEqual([
      "does not export a lighthouse plugin: it lacks the Symbol.for('lighthouse.plugin') brand that defineBalancer() adds",
      'exports a plugin of kind "checks", but the manifest lists it under "balancers"',
      'exports a plugin named undefined, but the manifest lists it as "x"',
      'does not export a "configSchema" schema object',
      'does not export a "clusterSchema" schema object',
      'does not export a "create" function',
      'exports a "checkDependencies" that is not a function',
    ]);
  });

  it.each([undefined, null, 'plugin', () => check])('refuses %j', (value) => {
    expect(pluginShapeProblems(value, 'checks', 'http')).toEqual([
      expect.stringMatching(/^does not export a plugin object/),
    ]);
  });
});
