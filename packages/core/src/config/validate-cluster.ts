import Type from 'typebox';
import { nameProblem, printable } from '../model/names.js';
import { discoveryProblems, lookupPlugin } from './plugin-lookup.js';
import { childPointer } from './pointer.js';
import { validatePluginSection } from './plugin-section.js';
import { validateSchema } from './schema-errors.js';
import { ClusterFile } from './schemas.js';
import type { ClusterConfig } from './types.js';
import type { Problem, Validation, ValidationInput } from './validation.js';
import { invalid, validName } from './validation.js';

/**
 * `clusters/<name>.yaml`: three core keys, and every other key is a balancer section validated
 * by that balancer plugin's `clusterSchema`. A key that names no installed balancer is reported
 * as unknown, with a suggestion among the core keys and the installed balancers.
 */

/** The core keys alone: balancer sections are left to their plugins. */
const ClusterKeys = Type.Object(ClusterFile.properties);
const coreKeys = Object.keys(ClusterFile.properties);

/** Validates every balancer section; returns the validated sections by balancer name. */
async function validateSections(
  input: ValidationInput,
  keys: readonly string[],
): Promise<{ sections: Record<string, unknown>; problems: Problem[] }> {
  const candidates = [...coreKeys, ...input.resolver.names('balancers')];
  const results = await Promise.all(
    keys.map(async (key) => {
      const pointer = childPointer('', key);
      const lookup = await lookupPlugin(input, 'balancers', key, pointer, {
        context: `unknown key "${printable(key)}"`,
        candidates,
      });
      if (!lookup.ok) return { key, problems: [lookup.problem] };
      const { plugin } = lookup;
      const section = validatePluginSection(plugin.clusterSchema, input.document[key] ?? null, {
        pointer,
        plugin: plugin.name,
        rules: (value) => plugin.validateClusterConfig?.(value),
      });
      return section.ok
        ? { key, value: section.value, problems: [] }
        : { key, problems: section.problems };
    }),
  );
  const sections: Record<string, unknown> = {};
  for (const result of results) if ('value' in result) sections[result.key] = result.value;
  return { sections, problems: results.flatMap((result) => result.problems) };
}

/** Validates a parsed cluster file. */
export async function validateCluster(input: ValidationInput): Promise<Validation<ClusterConfig>> {
  const sectionKeys = Object.keys(input.document).filter((key) => !coreKeys.includes(key));
  const core = validateSchema(ClusterKeys, input.document);
  const { sections, problems } = await validateSections(input, sectionKeys);
  if (!core.ok) return invalid([...core.problems, ...problems]);

  const { discovery, meta_cluster: metaCluster } = core.value;
  const name = validName(input, core.value.name);
  if (!name.ok) problems.push(...name.problems);
  problems.push(...(await discoveryProblems(input, discovery)));
  const metaProblem = metaCluster === undefined ? undefined : nameProblem(metaCluster);
  if (metaProblem !== undefined) problems.push({ pointer: '/meta_cluster', message: metaProblem });
  if (sectionKeys.length === 0) {
    const installed = input.resolver.names('balancers');
    problems.push({
      pointer: '',
      message: `no balancer section (e.g. \`${installed[0] ?? 'haproxy'}:\`) defined; installed balancers: ${installed.length > 0 ? installed.join(', ') : 'none'}`,
    });
  }
  if (problems.length > 0 || !name.ok) return invalid(problems);
  return {
    ok: true,
    value: {
      name: name.value,
      discovery,
      ...(metaCluster === undefined ? {} : { metaCluster }),
      balancers: sections,
    },
  };
}
