import type { AgentPlugin } from '../define.js';
import { printable } from '../model/names.js';
import { isJsonObject } from './plain-json.js';
import type { JsonValue } from './plain-json.js';
import { lookupPlugin } from './plugin-lookup.js';
import { validatePluginSection } from './plugin-section.js';
import type { Validation, ValidationInput } from './validation.js';
import { invalid } from './validation.js';

/** A service's validated `agent:` section: the plugin it names and the plugin's options. */
export interface ValidatedAgent {
  plugin: AgentPlugin;
  config: unknown;
}

/**
 * `agent:` of a service file: `type` names an agent plugin — by default the only one installed,
 * so `agent: {port: 5555}` just works — and every other key is that plugin's, validated against
 * its schema with defaults applied, then by its own rules.
 */
export async function validateAgent(
  input: ValidationInput,
  section: JsonValue,
): Promise<Validation<ValidatedAgent>> {
  if (!isJsonObject(section))
    return invalid([{ pointer: '/agent', message: 'must be a mapping of the agent options' }]);
  const { type, ...options } = section;
  const installed = input.resolver.names('agents');
  let name: string;
  if (type !== undefined) {
    if (typeof type !== 'string')
      return invalid([{ pointer: '/agent/type', message: 'must be the name of an agent plugin' }]);
    name = type;
  } else if (installed.length === 1 && installed[0] !== undefined) {
    name = installed[0];
  } else {
    const message =
      installed.length === 0
        ? 'no agent plugin is installed (install @lighthouse/haproxy-agent next to the CLI)'
        : `several agent plugins are installed (${installed.join(', ')}): say which with \`type:\``;
    return invalid([{ pointer: '/agent', message }]);
  }
  const pointer = type === undefined ? '/agent' : '/agent/type';
  const lookup = await lookupPlugin(input, 'agents', name, pointer, {
    context: `unknown agent "${printable(name)}"`,
  });
  if (!lookup.ok) return invalid([lookup.problem]);
  const { plugin } = lookup;
  const config = validatePluginSection(plugin.configSchema, options, {
    pointer: '/agent',
    knownKeys: ['type'],
    plugin: plugin.name,
    rules: (value) => plugin.validateConfig?.(value),
  });
  return config.ok ? { ok: true, value: { plugin, config: config.value } } : config;
}
