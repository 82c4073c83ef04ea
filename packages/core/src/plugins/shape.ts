import { IsSchema } from 'typebox';
import { PLUGIN_BRAND } from '../define.js';
import type { PluginKind } from '../define.js';
import { isRecord } from '../is-record.js';

/** The `define*` factory that builds (and brands) a plugin of each kind. */
export const definers: Record<PluginKind, string> = {
  checks: 'defineCheck',
  discovery: 'defineDiscovery',
  balancers: 'defineBalancer',
  agents: 'defineAgent',
};

function isSchema(value: unknown): boolean {
  return IsSchema(value) && !Array.isArray(value);
}

/**
 * What is wrong with a value that should be the plugin `kind`/`name`, as phrases that follow the
 * file name (`./dist/http.js does not export a "create" function`); empty when it is fine.
 *
 * Duck-typed on purpose, never `instanceof`: a third-party plugin may bring its own copy of
 * core, so only the `Symbol.for` brand and the members can be relied on. Plugin authors' tests
 * can call it to check what they export.
 */
export function pluginShapeProblems(value: unknown, kind: PluginKind, name: string): string[] {
  if (!isRecord(value)) {
    return [`does not export a plugin object (found ${value === null ? 'null' : typeof value})`];
  }
  const problems: string[] = [];
  if (!(PLUGIN_BRAND in value && value[PLUGIN_BRAND] === true)) {
    problems.push(
      `does not export a lighthouse plugin: it lacks the Symbol.for('lighthouse.plugin') brand that ${definers[kind]}() adds`,
    );
  }
  if (value['kind'] !== kind) {
    problems.push(
      `exports a plugin of kind ${JSON.stringify(value['kind']) ?? 'undefined'}, but the manifest lists it under "${kind}"`,
    );
  }
  if (value['name'] !== name) {
    problems.push(
      `exports a plugin named ${JSON.stringify(value['name']) ?? 'undefined'}, but the manifest lists it as "${name}"`,
    );
  }
  const schemas = kind === 'balancers' ? ['configSchema', 'clusterSchema'] : ['configSchema'];
  for (const member of schemas) {
    if (!isSchema(value[member])) problems.push(`does not export a "${member}" schema object`);
  }
  if (typeof value['create'] !== 'function') problems.push('does not export a "create" function');
  if (!['undefined', 'function'].includes(typeof value['checkDependencies'])) {
    problems.push('exports a "checkDependencies" that is not a function');
  }
  return problems;
}
