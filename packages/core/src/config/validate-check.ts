import type { CheckPlugin } from '../define.js';
import { printable } from '../model/names.js';
import { closestMatch } from '../did-you-mean.js';
import { isJsonObject } from './plain-json.js';
import type { JsonValue } from './plain-json.js';
import { lookupPlugin } from './plugin-lookup.js';
import { childPointer } from './pointer.js';
import { validateSchema } from './schema-errors.js';
import { CheckSection, ServiceFile } from './schemas.js';
import { validatePluginCheckSection } from './validate-check-config.js';
import type { Validation, ValidationInput } from './validation.js';
import { invalid } from './validation.js';

/**
 * One entry of a service's `checks:`. The key names a check plugin; the mapping mixes the
 * engine's keys (`rise`, `fall`, `timeout`) with the plugin's own, which are split off and
 * validated against the plugin's `configSchema` with its defaults applied, then by its rules
 * ({@link validatePluginCheckSection}, shared with `validateCheckConfig`).
 */

/** A validated check, before the service's interval fills in a missing timeout. */
export interface ValidatedCheck {
  name: string;
  plugin: CheckPlugin;
  rise: number;
  fall: number;
  timeout?: number;
  config: unknown;
}

/** The keys of `checks:` that are not checks (`interval`). */
const checksKeys = Object.keys(ServiceFile.properties.checks.properties);

/** Validates `checks.<name>` of a service file. */
export async function validateCheck(
  input: ValidationInput,
  name: string,
  section: JsonValue,
): Promise<Validation<ValidatedCheck>> {
  const pointer = childPointer('/checks', name);
  const candidates = [...checksKeys, ...input.resolver.names('checks')];
  // `intervall:` is a misspelt key, `htp:` a misspelt check: say which one it looks like.
  const what = checksKeys.includes(closestMatch(name, candidates) ?? '') ? 'key' : 'check';
  const lookup = await lookupPlugin(input, 'checks', name, pointer, {
    context: `unknown ${what} "${printable(name)}"`,
    candidates,
  });
  if (!lookup.ok) return invalid([lookup.problem]);
  const engine = validateSchema(CheckSection, section, { pointer });
  const { plugin } = lookup;
  const own = isJsonObject(section)
    ? validatePluginCheckSection(plugin, section, pointer)
    : undefined;
  if (!engine.ok || own === undefined || !own.ok) {
    return invalid([
      ...(engine.ok ? [] : engine.problems),
      ...(own === undefined || own.ok ? [] : own.problems),
    ]);
  }
  const { rise, fall, timeout } = engine.value;
  return {
    ok: true,
    value: {
      name,
      plugin,
      rise,
      fall,
      ...(timeout === undefined ? {} : { timeout }),
      config: own.value,
    },
  };
}
