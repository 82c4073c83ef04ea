import Type from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/index.js';
import { validateCheckConfig } from '../../src/engine/index.js';
import { defineCheck } from '../../src/define.js';
import { createStaticResolver } from '../../src/plugins/static.js';
import { fakeZookeeper, makeConfigDir } from '../helpers/config-fixtures.js';
import type { ConfigDirFixture } from '../helpers/config-fixtures.js';

const notUsed = (): never => {
  throw new Error('validation never creates a check');
};

/** A check with defaults, a nested object, and a rule its schema cannot express. */
const probe = defineCheck({
  name: 'probe',
  configSchema: Type.Object(
    {
      path: Type.String({ default: '/', description: 'What to ask for.' }),
      expect: Type.Optional(
        Type.Object(
          {
            min: Type.Integer({ default: 200, description: 'Lowest passing status.' }),
            max: Type.Integer({ default: 399, description: 'Highest passing status.' }),
          },
          { additionalProperties: false, description: 'Passing statuses.' },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  validateConfig: (config) =>
    config.expect !== undefined && config.expect.min > config.expect.max
      ? [{ pointer: '/expect/min', message: 'must not be above max' }]
      : [],
  create: notUsed,
});

describe('validateCheckConfig', () => {
  it('returns the config create() gets: defaults applied, engine keys left out', () => {
    const section = { rise: 2, fall: 3, timeout: 1.5, expect: { max: 299 } };
    expect(validateCheckConfig(probe, section)).toEqual({
      ok: true,
      config: { path: '/', expect: { min: 200, max: 299 } },
    });
    expect(section).toEqual({ rise: 2, fall: 3, timeout: 1.5, expect: { max: 299 } });
  });

  it('rejects unknown keys, suggesting plugin and engine keys, with pointers into the section', () => {
    expect(validateCheckConfig(probe, { pth: '/x', rsie: 2, expect: { mx: 1 } })).toEqual({
      ok: false,
      issues: [
        { pointer: '/pth', message: 'unknown key "pth" (did you mean "path"?)' },
        { pointer: '/rsie', message: 'unknown key "rsie" (did you mean "rise"?)' },
        { pointer: '/expect/mx', message: 'unknown key "mx" (did you mean "max"?)' },
      ],
    });
  });

  it("runs the plugin's own rules once the schema passed", () => {
    expect(validateCheckConfig(probe, { expect: { min: 500, max: 299 } })).toEqual({
      ok: false,
      issues: [{ pointer: '/expect/min', message: 'must not be above max' }],
    });
  });

  it('reports rules that throw as an issue naming the plugin', () => {
    const broken = defineCheck({
      name: 'broken',
      configSchema: Type.Object({}, { additionalProperties: false }),
      validateConfig: () => {
        throw new Error('boom');
      },
      create: notUsed,
    });
    expect(validateCheckConfig(broken, {})).toEqual({
      ok: false,
      issues: [{ pointer: '', message: 'the broken plugin failed to check these options: boom' }],
    });
  });

  it('rejects what a config file cannot hold, saying where', () => {
    expect(validateCheckConfig(probe, null)).toEqual({
      ok: false,
      issues: [{ pointer: '', message: 'expected a mapping, got an empty value' }],
    });
    expect(validateCheckConfig(probe, { expect: { min: undefined } })).toEqual({
      ok: false,
      issues: [
        { pointer: '/expect/min', message: 'undefined is not a value a config file can hold' },
      ],
    });
    const dated = validateCheckConfig(probe, { path: new Date(0) });
    expect(dated.ok === false && dated.issues.map((issue) => issue.pointer)).toEqual(['/path']);
  });
});

describe('validateCheckConfig and a service file agree', () => {
  let fixture: ConfigDirFixture | undefined;
  afterEach(async () => {
    await fixture?.cleanup();
    fixture = undefined;
  });

  const resolver = createStaticResolver([probe, fakeZookeeper]);
  async function loadSection(section: Record<string, unknown>) {
    const checks = { interval: 3, probe: { rise: 1, fall: 1, ...section } };
    const text = JSON.stringify({ port: 80, discovery: 'zookeeper', checks });
    fixture = await makeConfigDir({ 'services/web.yaml': text });
    return loadConfigFile(fixture.dir, 'services/web.yaml', resolver);
  }

  it.each([
    ['a valid section', true, { expect: { min: 204 } }],
    ['an unknown key', false, { pth: '/' }],
    ['a wrong type', false, { path: 7 }],
    ['a rule violation', false, { expect: { min: 500, max: 299 } }],
  ])('on %s', async (_, valid, section) => {
    const fromFile = await loadSection(section);
    const direct = validateCheckConfig(probe, section);
    expect([fromFile.ok, direct.ok]).toEqual([valid, valid]);
    if (fromFile.ok) {
      const value = fromFile.entry.value as { checks: { config: unknown }[] };
      expect(direct).toEqual({ ok: true, config: value.checks[0]?.config });
    } else {
      const placed = fromFile.issues.map(({ pointer, message }) => ({ pointer, message }));
      const issues = direct.ok ? [] : direct.issues;
      expect(
        issues.map(({ pointer, message }) => ({ pointer: `/checks/probe${pointer}`, message })),
      ).toEqual(placed);
    }
  });
});
