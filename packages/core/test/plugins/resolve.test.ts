import { describe, expect, it } from 'vitest';
import type { PluginKind } from '../../src/define.js';
import { ErrorCode } from '../../src/errors.js';
import { failure, registryFor } from './helpers.js';

const referencedFrom = 'services/web.yaml';

/** One fixture scenario, oclif module-loader style: what to resolve and what must happen. */
interface Case {
  scenario: string;
  kind: PluginKind;
  name: string;
  /** Omitted when the plugin must load. */
  expectCode?: string;
  expectMessageIncludes?: string;
}

const cases: Case[] = [
  { scenario: 'valid-esm', kind: 'checks', name: 'esm' },
  { scenario: 'valid-cjs', kind: 'checks', name: 'cjs' },
  { scenario: 'valid-cjs', kind: 'checks', name: 'cjs-interop' },
  { scenario: 'named-export', kind: 'checks', name: 'named' },
  { scenario: 'scoped-package', kind: 'checks', name: 'x' },
  { scenario: 'top-level-await', kind: 'checks', name: 'tla' },
  { scenario: 'not-exported-package-json', kind: 'checks', name: 'hidden' },
  { scenario: 'duplicate-name', kind: 'checks', name: 'only-a' },
  { scenario: 'mixed', kind: 'checks', name: 'good' },
  {
    scenario: 'named-export',
    kind: 'checks',
    name: 'named-missing',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes: './index.js has no export named "noSuchExport"',
  },
  {
    scenario: 'no-lighthouse-key',
    kind: 'checks',
    name: 'left-pad',
    expectCode: ErrorCode.PluginNotFound,
    expectMessageIncludes: 'is not provided by any installed package',
  },
  {
    scenario: 'google-lighthouse-key',
    kind: 'checks',
    name: 'field-performance',
    expectCode: ErrorCode.PluginNotFound,
    expectMessageIncludes: '(found no checks)',
  },
  {
    scenario: 'bad-manifest',
    kind: 'checks',
    name: 'bad',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes: '/checks/bad: must be a file path or { "target": file, "export": name }',
  },
  {
    scenario: 'wrong-api-version',
    kind: 'checks',
    name: 'future',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes:
      '/apiVersion: 3 is not supported (this lighthouse implements plugin API version 2)',
  },
  {
    scenario: 'entry-missing',
    kind: 'checks',
    name: 'unbuilt',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes:
      'its manifest points at ./dist/index.js, which does not exist — was the package built?',
  },
  {
    scenario: 'throws-on-import',
    kind: 'checks',
    name: 'throws',
    expectCode: ErrorCode.PluginLoadFailed,
    expectMessageIncludes: 'failed to load: importing ./index.js threw: boom while importing',
  },
  {
    scenario: 'missing-inner-dependency',
    kind: 'checks',
    name: 'needs-dep',
    expectCode: ErrorCode.PluginLoadFailed,
    expectMessageIncludes:
      'failed to load: ./index.js imports "lighthouse-fixture-not-installed", which cannot be found',
  },
  {
    scenario: 'wrong-shape',
    kind: 'checks',
    name: 'no-brand',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes: `./no-brand.js does not export a lighthouse plugin: it lacks the Symbol.for('lighthouse.plugin') brand that defineCheck() adds`,
  },
  {
    scenario: 'wrong-shape',
    kind: 'checks',
    name: 'no-create',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes: './no-create.js does not export a "create" function',
  },
  {
    scenario: 'wrong-shape',
    kind: 'checks',
    name: 'not-object',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes: './not-object.js does not export a plugin object (found number)',
  },
  {
    scenario: 'wrong-shape',
    kind: 'balancers',
    name: 'no-cluster-schema',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes: './no-cluster-schema.js does not export a "clusterSchema" schema object',
  },
  {
    scenario: 'kind-mismatch',
    kind: 'checks',
    name: 'confused',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes:
      'exports a plugin of kind "discovery", but the manifest lists it under "checks"',
  },
  {
    scenario: 'kind-mismatch',
    kind: 'checks',
    name: 'misnamed',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes:
      'exports a plugin named "other", but the manifest lists it as "misnamed"',
  },
  {
    scenario: 'duplicate-name',
    kind: 'checks',
    name: 'dup',
    expectCode: ErrorCode.PluginConflict,
    expectMessageIncludes: 'Check "dup" is provided by 2 packages: lighthouse-check-dup-a@1.0.0 (',
  },
  {
    scenario: 'path-escape',
    kind: 'checks',
    name: 'escape',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes: '/checks/escape: target "../../evil.js" points outside the package',
  },
  {
    scenario: 'path-escape',
    kind: 'checks',
    name: 'absolute',
    expectCode: ErrorCode.PluginInvalid,
    expectMessageIncludes:
      '/checks/absolute: target "/tmp/evil.js" must be relative to the package',
  },
  {
    scenario: 'unmet-dependency',
    kind: 'checks',
    name: 'picky',
    expectCode: ErrorCode.PluginLoadFailed,
    expectMessageIncludes: 'cannot run on this machine: needs the "redis-cli" binary on PATH',
  },
  {
    scenario: 'unmet-dependency',
    kind: 'checks',
    name: 'crashy',
    expectCode: ErrorCode.PluginLoadFailed,
    expectMessageIncludes: 'failed to load: its checkDependencies() threw: probe crashed',
  },
  {
    scenario: 'wrong-shape',
    kind: 'checks',
    name: 'throwing-getter',
    expectCode: ErrorCode.PluginLoadFailed,
    expectMessageIncludes:
      'failed to load: reading the exports of ./throwing-getter.js threw: getter exploded',
  },
  {
    scenario: 'mixed',
    kind: 'checks',
    name: 'broken',
    expectCode: ErrorCode.PluginLoadFailed,
    expectMessageIncludes: 'threw: broken on purpose',
  },
];

describe('PluginRegistry.resolve over fixture projects', () => {
  it.each(cases.filter((c) => c.expectCode === undefined))(
    '$scenario: loads $kind/$name',
    async ({ scenario, kind, name }) => {
      const plugin = await (await registryFor(scenario)).resolve(kind, name, referencedFrom);
      expect(plugin).toMatchObject({ kind, name });
      expect(plugin[Symbol.for('lighthouse.plugin') as never]).toBe(true);
    },
  );

  it.each(cases.filter((c) => c.expectCode !== undefined))(
    '$scenario: $kind/$name fails with $expectCode',
    async ({ scenario, kind, name, expectCode, expectMessageIncludes }) => {
      const error = await failure(
        (await registryFor(scenario)).resolve(kind, name, referencedFrom),
      );
      expect(error.code).toBe(expectCode);
      expect(error.message).toContain(expectMessageIncludes);
      expect(error.message).toMatch(/ Referenced from services\/web\.yaml\.$/);
      expect(error.details).toMatchObject({ kind, plugin: name, referencedFrom });
      expect(error.suggestions.length).toBeGreaterThan(0);
    },
  );
});
