import type { PluginOf } from '../define.js';
import { validatePluginSection } from './plugin-section.js';
import { lookupPlugin } from './plugin-lookup.js';
import type { BalancerConfig, DiscoveryConfig } from './types.js';
import type { Validation, ValidationInput } from './validation.js';
import { invalid, validName } from './validation.js';

/**
 * `balancers/<name>.yaml` and `discovery/<name>.yaml`: the file name names the plugin and the
 * whole document is that plugin's config, validated against its `configSchema` with its
 * defaults applied, then by the plugin's own rules.
 */

/** Validates a balancer plugin's file. */
export async function validateBalancerFile(
  input: ValidationInput,
): Promise<Validation<BalancerConfig>> {
  return validatePluginFile(input, 'balancers');
}

/** Validates a discovery plugin's file. */
export async function validateDiscoveryFile(
  input: ValidationInput,
): Promise<Validation<DiscoveryConfig>> {
  return validatePluginFile(input, 'discovery');
}

async function validatePluginFile<K extends 'balancers' | 'discovery'>(
  input: ValidationInput,
  kind: K,
): Promise<Validation<{ name: string; plugin: PluginOf<K>; config: unknown }>> {
  const name = validName(input);
  if (!name.ok) return name;
  const lookup = await lookupPlugin(input, kind, name.value, '');
  if (!lookup.ok) return invalid([lookup.problem]);
  const { plugin } = lookup;
  const config = validatePluginSection(plugin.configSchema, input.document, {
    plugin: plugin.name,
    rules: (value) => plugin.validateConfig?.(value),
  });
  if (!config.ok) return config;
  return { ok: true, value: { name: name.value, plugin: lookup.plugin, config: config.value } };
}
